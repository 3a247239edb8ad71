"""Constraints in a shopper's search text, found with spaCy rules (a blank English pipeline, no model download).

``parse_query("a red mug under £10, in stock")`` gives ``Query(text="a mug", max_price=10, colours=["red"],
in_stock=True)``: price ranges ("under £10", "between £5 and £20", "less than 15 pounds", "£5-£20"),
pack sizes ("set of 6", "pack of 12", "6 pack"), colours and "in stock"; ``text`` is what is left to search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

COLOURS = {
    "red": "red", "pink": "pink", "blue": "blue", "green": "green", "yellow": "yellow", "orange": "orange",
    "purple": "purple", "black": "black", "white": "white", "grey": "grey", "gray": "grey", "silver": "silver",
    "gold": "gold", "golden": "gold", "ivory": "ivory", "cream": "cream", "brown": "brown", "beige": "beige",
    "turquoise": "turquoise", "lilac": "lilac", "navy": "navy", "teal": "teal", "copper": "copper",
    "violet": "purple", "mint": "mint", "aqua": "aqua", "multicolour": "multicolour", "multicolor": "multicolour",
}
WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "hundred": 100, "a dozen": 12, "dozen": 12, "tenner": 10, "fiver": 5,
}
CURRENCY = ["£", "$", "€"]
UNITS = ["pounds", "pound", "quid", "gbp", "£", "pence", "p", "euros", "euro", "dollars", "dollar"]
BELOW = [["under"], ["below"], ["less", "than"], ["cheaper", "than"], ["up", "to"], ["max"], ["maximum"],
         ["no", "more", "than"], ["at", "most"], ["<"], ["within"], ["not", "more", "than"], ["budget", "of"],
         ["for", "less", "than"], ["under", "about"], ["around"], ["max", "of"], ["<="]]
ABOVE = [["over"], ["above"], ["more", "than"], ["at", "least"], [">"], ["from"], ["min"], ["minimum"],
         ["starting", "at"], [">="]]
PACKS = ["set", "pack", "box", "packet", "bag", "tin", "tube", "roll", "bundle", "sheet"]
IN_STOCK = [["in", "stock"], ["in", "-", "stock"], ["instock"], ["available", "now"], ["available", "today"],
            ["ready", "to", "ship"], ["available"]]
_RANGE_DASH = re.compile(r"(?<=\d)\s*[-–]\s*(?=[£$€]?\d)")
_DANGLING = re.compile(r"^(?:(?:of|or|and|for|in|with|,|:|;|-)\s+)+|(?:\s+(?:of|or|and|for|in|with|,|:|;|-))+$", re.I)
_NUMBER = re.compile(r"^\d+(?:[.,]\d{1,2})?$")


@dataclass
class Query:
    """A parsed search: free text to match semantically, plus hard constraints."""

    text: str
    raw: str = ""
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    colours: list[str] = field(default_factory=list)
    not_colours: list[str] = field(default_factory=list)
    quantity: int | None = None
    in_stock: bool = False

    def describe(self) -> str:
        """A short human summary of the constraints, e.g. "under £15, red"."""
        parts = []
        if self.min_price is not None and self.max_price is not None:
            parts.append(f"£{self.min_price:g}–£{self.max_price:g}")
        elif self.max_price is not None:
            parts.append(f"under £{self.max_price:g}")
        elif self.min_price is not None:
            parts.append(f"over £{self.min_price:g}")
        parts += self.colours
        if self.not_colours:
            parts.append("not " + " or ".join(self.not_colours))
        if self.quantity:
            parts.append(f"pack of {self.quantity}")
        if self.in_stock:
            parts.append("in stock")
        return ", ".join(parts)


def _value(text: str) -> Decimal | None:
    low = text.lower().strip()
    if low in WORD_NUMBERS:
        return Decimal(WORD_NUMBERS[low])
    pence = low.endswith("p") and _NUMBER.match(low[:-1])
    core = low[:-1] if pence else low
    core = core.lstrip("£$€").replace(",", ".")
    try:
        value = Decimal(core)
    except InvalidOperation:
        return None
    return value / 100 if pence else value


def _money_patterns() -> list[list[dict[str, Any]]]:
    num: dict[str, Any] = {"LIKE_NUM": True}
    sym: dict[str, Any] = {"ORTH": {"IN": CURRENCY}}
    unit: dict[str, Any] = {"LOWER": {"IN": UNITS}}
    return [[sym, num], [sym, num, unit], [num, unit], [num], [{"LOWER": {"IN": ["tenner", "fiver"]}}],
            [{"LOWER": {"REGEX": r"^\d+(\.\d{1,2})?p$"}}], [{"LOWER": {"REGEX": r"^[£$€]\d+(\.\d{1,2})?$"}}]]


@lru_cache(maxsize=1)
def _pipeline() -> Any:
    """The blank English tokenizer and a Matcher with every rule (built once, on first use)."""
    import spacy
    from spacy.matcher import Matcher

    nlp = spacy.blank("en")
    matcher = Matcher(nlp.vocab)
    money = _money_patterns()
    a: list[dict[str, Any]] = [{"LOWER": {"IN": ["a", "an"]}, "OP": "?"}]
    for words in BELOW:
        lead = [{"LOWER": w} for w in words]
        matcher.add("BELOW", [lead + a + m for m in money])
    for words in ABOVE:
        lead = [{"LOWER": w} for w in words]
        matcher.add("ABOVE", [lead + m for m in money if len(m) > 1 or "LIKE_NUM" not in m[0]] +
                    [lead + [{"LIKE_NUM": True}, {"LOWER": {"IN": UNITS}}]])
    joins: dict[str, Any] = {"LOWER": {"IN": ["and", "to", "-", "–"]}}
    for m1 in money:
        for m2 in money:
            matcher.add("BETWEEN", [[{"LOWER": {"IN": ["between", "from"]}}, *m1, joins, *m2]])
            if m1 and "ORTH" in m1[0] or "REGEX" in str(m1):
                matcher.add("RANGE", [[*m1, joins, *m2]])
    pack: dict[str, Any] = {"LOWER": {"IN": PACKS + [p + "s" for p in PACKS]}}
    count: dict[str, Any] = {"LIKE_NUM": True}
    matcher.add("QUANTITY", [[pack, {"LOWER": "of"}, count], [count, {"ORTH": "-", "OP": "?"}, pack],
                             [count, {"LOWER": {"IN": ["pieces", "pcs", "piece"]}}],
                             [{"LOWER": {"IN": ["pair", "pairs"]}}, {"LOWER": "of"}]])
    matcher.add("COLOUR", [[{"LOWER": {"IN": list(COLOURS)}}]])
    matcher.add("IN_STOCK", [[{"LOWER": w} for w in words] for words in IN_STOCK])
    return nlp, matcher


def _numbers(span: Any) -> list[Decimal]:
    out = []
    for token in span:
        if token.like_num or token.lower_ in WORD_NUMBERS or re.match(r"^[£$€]?\d+(\.\d{1,2})?p?$", token.lower_):
            value = _value(token.text)
            if value is not None:
                out.append(value)
    return out


def colours_in(text: str) -> list[str]:
    """The colours a product title or a message names, in order ("Red Polkadot Mug" -> ["red"])."""
    found: dict[str, None] = {}
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in COLOURS:
            found[COLOURS[word]] = None
    return list(found)


def without_colours(text: str) -> str:
    """``text`` with its colour words taken out ("Red Polkadot Coffee Mug" -> "Polkadot Coffee Mug")."""
    kept = [w for w in text.split() if re.sub(r"[^a-z]", "", w.lower()) not in COLOURS]
    return " ".join(kept)


def parse_query(text: str) -> Query:
    """Split ``text`` into constraints and the remaining words to search for."""
    from spacy.util import filter_spans

    nlp, matcher = _pipeline()
    doc = nlp(_RANGE_DASH.sub(" - ", text))
    spans = filter_spans(matcher(doc, as_spans=True))
    query = Query(text="", raw=text)
    used: set[int] = set()
    for span in spans:
        label = span.label_
        values = _numbers(span)
        if label == "BELOW" and values:
            query.max_price = values[-1]
        elif label == "ABOVE" and values:
            query.min_price = values[-1]
        elif label in ("BETWEEN", "RANGE") and len(values) >= 2:
            query.min_price, query.max_price = min(values[:2]), max(values[:2])
        elif label == "QUANTITY":
            query.quantity = 2 if span[0].lower_ in ("pair", "pairs") else (int(values[0]) if values else None)
            if span[0].lower_ in ("pair", "pairs"):
                used.update(range(span.start, span.end))
                continue
        elif label == "COLOUR":
            colour = COLOURS[span.text.lower()]
            if colour not in query.colours:
                query.colours.append(colour)
        elif label == "IN_STOCK":
            query.in_stock = True
        else:
            continue
        used.update(range(span.start, span.end))
    words = [t.text for t in doc if t.i not in used]
    query.text = re.sub(r"\s+([,.!?])", r"\1", " ".join(words)).strip(" ,.;")
    query.text = re.sub(r"(,\s*)+", ", ", query.text).strip(" ,:;")
    query.text = _DANGLING.sub("", query.text).strip(" ,:;")
    return query
