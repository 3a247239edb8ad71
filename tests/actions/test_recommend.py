"""Shopper product skills: cards for a search, cheaper ones, suggestions, more like a card shown.

The sentence encoder is replaced by a hashed bag of words (as in tests/backoffice/recommend), so these tests
need no model; everything else (store, search, constraints, stock) is real.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.deps import Deps
from actions.recommend import ActionRecommendProducts, ActionSearchProducts, ActionSimilarItems
from backoffice.models import Product
from backoffice.recommend import encoder as encoder_module
from backoffice.recommend import store as recommend_store
from tests.actions.conftest import responses, signed, tracker
from tests.backoffice.recommend.test_search import BagOfWords


@pytest.fixture
def catalogue(deps: Deps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPDESK_RECOMMEND_DIR", str(tmp_path / "recommend"))
    fake = BagOfWords()
    monkeypatch.setattr(encoder_module, "encode", lambda texts, *a, **k: fake(texts))
    recommend_store.reset_cache()
    with deps.session() as session:
        session.add_all([
            Product(sku="30001", title="Teapot With Flowers", description="A teapot for tea.", price=Decimal("12"),
                    stock_on_hand=4),
            Product(sku="30002", title="Tea Cup And Saucer", description="A cup for tea.", price=Decimal("4"),
                    stock_on_hand=9),
            Product(sku="30003", title="Tea Tin Vintage", description="A tin for tea.", price=Decimal("6"),
                    stock_on_hand=0),
            Product(sku="30004", title="Tea Towel Red", description="A towel.", price=Decimal("3"), stock_on_hand=7),
        ])
    yield
    recommend_store.reset_cache()


async def run(action: object, text: str = "", **kwargs: object) -> tuple[CollectingDispatcher, list[object]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker(text=text, **kwargs), {})  # type: ignore[attr-defined]
    return dispatcher, events


def skus(events: list[object]) -> list[str]:
    return next(e["value"] for e in events if e.get("name") == "listed_products")  # type: ignore[attr-defined]


async def test_search_shows_in_stock_cards_with_follow_ups(catalogue: None) -> None:
    dispatcher, events = await run(ActionSearchProducts(), "something for tea lovers", intent="search_product")
    assert responses(dispatcher)[0] == "utter_search_results"
    cards = dispatcher.messages[1]["custom"]["cards"]
    titles = [c["title"] for c in cards]
    assert "Tea Tin Vintage" not in titles  # out of stock is never offered
    assert all(c["price"].startswith("£") and c["subtitle"] for c in cards)
    assert responses(dispatcher)[2] == "utter_refine_products"
    assert [b["title"] for b in dispatcher.messages[2]["buttons"]][0] == "Cheaper ones"
    assert SlotSet("last_query", "something for tea lovers") in events
    assert "30003" not in skus(events)


async def test_cheaper_ones_repeat_the_search_below_the_cheapest_price(catalogue: None) -> None:
    dispatcher, events = await run(ActionSearchProducts(), '/search_product{"max_price": "3.99"}',
                                   intent="search_product", slots={"last_query": "tea things"},
                                   entities=[{"entity": "max_price", "value": "3.99"}])
    prices = [Decimal(c["price"].lstrip("£")) for c in dispatcher.messages[1]["custom"]["cards"]]
    assert prices and all(p <= Decimal("3.99") for p in prices)


async def test_anonymous_suggestions_are_popular_products(catalogue: None) -> None:
    dispatcher, _ = await run(ActionRecommendProducts(), "what would I like?", intent="recommend_product")
    assert responses(dispatcher)[0] == "utter_popular_products"
    signed_in, _ = await run(ActionRecommendProducts(), "what would I like?", intent="recommend_product",
                             metadata=signed(101))
    # alice already has the only product others bought: nothing new for her, so she sees what is popular
    assert responses(signed_in)[0] == "utter_popular_products"
    assert signed_in.messages[1]["custom"]["cards"]


async def test_a_described_wish_is_searched_with_its_budget(catalogue: None) -> None:
    text = "any ideas for a christmas gift for my grandma? she loves tea, max 5 pounds"
    dispatcher, events = await run(ActionRecommendProducts(), text, intent="recommend_product")
    assert responses(dispatcher)[0] == "utter_search_results"
    prices = [Decimal(c["price"].lstrip("£")) for c in dispatcher.messages[1]["custom"]["cards"]]
    assert prices and all(p <= Decimal("5") for p in prices)
    assert SlotSet("last_query", text) in events


async def test_find_a_product_after_a_misunderstanding_searches_the_words_typed(catalogue: None) -> None:
    typed = {"event": "user", "text": "teapot thingy with flowers?", "parse_data": {"intent": {"name": "nlu_fallback"}}}
    dispatcher, events = await run(ActionSearchProducts(), "/search_product", intent="search_product",
                                   events=[typed, {"event": "bot", "text": "Is it one of these?"}])
    assert responses(dispatcher)[0] == "utter_search_results"
    assert dispatcher.messages[1]["custom"]["cards"][0]["title"] == "Teapot With Flowers"
    assert SlotSet("last_query", "teapot thingy with flowers?") in events


@pytest.mark.parametrize(("text", "described"), [
    ("what would I like?", False), ("recommend me something", False), ("a present for my dad", True),
    ("suggest something red", True), ("anything nice under a tenner? max £10", True),
])
def test_describes_wish(text: str, described: bool) -> None:
    from actions.recommend import describes_wish

    assert describes_wish(text) is described


async def test_more_like_the_second_card(catalogue: None) -> None:
    dispatcher, events = await run(ActionSimilarItems(), "more like the second one", intent="similar_items",
                                   slots={"listed_products": ["30001", "30002"]},
                                   entities=[{"entity": "ordinal", "value": "second"}])
    assert responses(dispatcher)[0] == "utter_similar_products"
    assert "30002" not in skus(events)  # not the product itself
    nothing, _ = await run(ActionSimilarItems(), "more like this", intent="similar_items")
    assert responses(nothing) == ["utter_which_product_like"]


async def test_other_colours_follow_up(catalogue: None, deps: Deps) -> None:
    with deps.session() as session:
        session.add(Product(sku="30005", title="Tea Towel Blue", description="A towel.", price=Decimal("3"),
                            stock_on_hand=2))
        session.commit()
    shown, _ = await run(ActionSearchProducts(), "tea towel", intent="search_product")
    buttons = {b["title"]: b["payload"] for b in shown.messages[2]["buttons"]}
    coloured = next(p for t, p in buttons.items() if t.endswith("in other colours"))
    assert '"other_colour": "yes"' in coloured
    # typed, about the cards shown: the first card with a colour is the one recoloured
    dispatcher, events = await run(ActionSimilarItems(), "any other colours?", intent="similar_items",
                                   slots={"listed_products": ["30001", "30004"]})
    assert responses(dispatcher)[0] == "utter_other_colours"
    assert skus(events) == ["30005"]
    assert dispatcher.messages[1]["custom"]["cards"][0]["subtitle"] == "blue, instead of red"
    none, _ = await run(ActionSimilarItems(), '/similar_items{"sku": "30001", "other_colour": "yes"}',
                        intent="similar_items", entities=[{"entity": "sku", "value": "30001"},
                                                          {"entity": "other_colour", "value": "yes"}])
    assert responses(none) == ["utter_no_other_colours"]
