"""The spaCy rule parser on many phrasings."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backoffice.recommend.query import colours_in, parse_query, without_colours

D = Decimal


@pytest.mark.parametrize(("text", "rest", "low", "high"), [
    ("a gift for a tea lover under £15", "a gift for a tea lover", None, D(15)),
    ("under £10", "", None, D(10)),
    ("mugs below £7.50", "mugs", None, D("7.50")),
    ("less than 15 pounds", "", None, D(15)),
    ("candles for less than 20 quid", "candles", None, D(20)),
    ("something cheaper than £9.99", "something", None, D("9.99")),
    ("no more than £25 please", "please", None, D(25)),
    ("under a tenner", "", None, D(10)),
    ("under ten pounds", "", None, D(10)),
    ("stickers under 50p", "stickers", None, D("0.5")),
    ("up to £30 for a clock", "a clock", None, D(30)),
    ("between £5 and £20 candles", "candles", D(5), D(20)),
    ("between 5 and 20 pounds", "", D(5), D(20)),
    ("from £5 to £10", "", D(5), D(10)),
    ("£5 to £10 frame", "frame", D(5), D(10)),
    ("£5-£20 vintage bag", "vintage bag", D(5), D(20)),
    ("lamp £20 - £40", "lamp", D(20), D(40)),
    ("over £30 clock", "clock", D(30), None),
    ("at least £12 gift box", "gift box", D(12), None),
    ("a teapot", "a teapot", None, None),
])
def test_prices(text: str, rest: str, low: Decimal | None, high: Decimal | None) -> None:
    query = parse_query(text)
    assert (query.min_price, query.max_price) == (low, high)
    assert query.text == rest


@pytest.mark.parametrize(("text", "colours"), [
    ("red mug", ["red"]), ("a Pink and GREY cushion", ["pink", "grey"]), ("gray lamp", ["grey"]),
    ("golden star", ["gold"]), ("tea towel", []),
])
def test_colours(text: str, colours: list[str]) -> None:
    query = parse_query(text)
    assert query.colours == colours
    assert not any(c in query.text.lower().split() for c in colours)


@pytest.mark.parametrize(("text", "quantity", "rest"), [
    ("set of 6 glasses", 6, "glasses"), ("pack of 12 cake cases", 12, "cake cases"), ("6 pack napkins", 6, "napkins"),
    ("box of 9 candles", 9, "candles"), ("a pair of earrings", 2, "a earrings"), ("12 pieces cutlery", 12, "cutlery"),
    ("paper cups", None, "paper cups"),
])
def test_quantities(text: str, quantity: int | None, rest: str) -> None:
    query = parse_query(text)
    assert query.quantity == quantity
    assert query.text == rest


@pytest.mark.parametrize("text", ["mugs in stock", "in-stock mugs", "mugs available now", "mugs, available today"])
def test_in_stock(text: str) -> None:
    query = parse_query(text)
    assert query.in_stock
    assert query.text == "mugs"


def test_everything_together() -> None:
    query = parse_query("a set of 4 blue napkins under £8, in stock")
    assert (query.quantity, query.colours, query.max_price, query.in_stock) == (4, ["blue"], D(8), True)
    assert query.text == "a napkins"
    assert query.describe() == "under £8, blue, pack of 4, in stock"


def test_no_constraints_keeps_the_text() -> None:
    query = parse_query("what would I like?")
    assert query.text == "what would I like?"
    assert query.describe() == ""


@pytest.mark.parametrize(("title", "colours", "rest"), [
    ("Red Polkadot Coffee Mug", ["red"], "Polkadot Coffee Mug"),
    ("Lunch Bag Pink Polkadot", ["pink"], "Lunch Bag Polkadot"),
    ("Gray And White Striped Cushion", ["grey", "white"], "And Striped Cushion"),
    ("Vintage Doily Tea Cup", [], "Vintage Doily Tea Cup"),
])
def test_colours_in_a_title(title: str, colours: list[str], rest: str) -> None:
    assert colours_in(title) == colours
    assert without_colours(title) == rest
