"""Shopper skills: find products from a description, personal suggestions, more like one just shown."""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.context import identity_of
from actions.deps import get_deps
from actions.parsing import pick_from_list
from actions.slots import list_slot, text_slot
from backoffice.catalog import SKU
from backoffice.recommend.query import colours_in, parse_query, without_colours
from backoffice.recommend.store import (
    ProductHit,
    best_sellers,
    other_colours,
    recommend_for,
    search_products,
    similar_to,
)

log = logging.getLogger(__name__)
CARDS = 5
OTHER_COLOUR = re.compile(r"\b(other|another|different|more)\s+colou?rs?\b", re.I)
# "Any ideas for a christmas gift for my grandma? max 10 pounds": a suggestion that describes what is wanted.
DESCRIBED = re.compile(r"\b(gifts?|presents?|stocking fillers?|secret santa|birthday|christmas|xmas|wedding|"
                       r"anniversary|housewarming|for (?:my|a|an|our|the) \w+)\b", re.I)


def words_before_button(tracker: Tracker) -> str | None:
    """The shopper's last typed message before the button just clicked (the one the assistant was unsure about)."""
    users = [e for e in tracker.events if e.get("event") == "user"]
    for event in reversed(users[:-1]):
        text = str(event.get("text") or "").strip()
        if text and not text.startswith("/"):
            return text
    return None


def describes_wish(text: str) -> bool:
    """True when a request for suggestions says what it is for or what it may cost (then it is a search)."""
    if DESCRIBED.search(text):
        return True
    query = parse_query(text)
    return query.max_price is not None or query.min_price is not None or bool(query.colours)


def cards_message(hits: list[ProductHit], currency: str) -> dict[str, Any]:
    """The widget's product cards (title, price, why) for these hits."""
    return {"cards": [{"title": h.title, "subtitle": h.reason, "price": f"{currency}{h.price:.2f}",
                       **({"url": h.url} if h.url else {}), **({"image": h.image} if h.image else {})}
                      for h in hits]}


def follow_ups(hits: list[ProductHit], query: str | None) -> list[dict[str, str]]:
    """Buttons to refine: cheaper (for a search), more like the first card, the first coloured card in other colours."""
    buttons = []
    if query and hits:
        below = max(float(min(h.price for h in hits)) - 0.01, 0.5)
        buttons.append({"title": "Cheaper ones", "payload": f'/search_product{{"max_price": "{below:.2f}"}}'})
    if hits:
        buttons.append({"title": f"More like {hits[0].title.title()[:40]}",
                        "payload": f'/similar_items{{"sku": "{hits[0].sku}"}}'})
    coloured = next((h for h in hits if colours_in(h.title)), None)
    if coloured is not None:
        buttons.append({"title": f"{without_colours(coloured.title).title()[:40]} in other colours",
                        "payload": f'/similar_items{{"sku": "{coloured.sku}", "other_colour": "yes"}}'})
    return buttons


def _show(dispatcher: CollectingDispatcher, hits: list[ProductHit], *, response: str, query: str | None,
          **values: Any) -> list[EventType]:
    if not hits:
        dispatcher.utter_message(response="utter_no_products")
        return []
    dispatcher.utter_message(response=response, **values)
    dispatcher.utter_message(json_message=cards_message(hits, get_deps().kb.shop.currency_symbol))
    dispatcher.utter_message(response="utter_refine_products", buttons=follow_ups(hits, query))
    return [SlotSet("listed_products", [h.sku for h in hits]), SlotSet("last_query", query)]


class ActionSearchProducts(Action):
    """"A gift for a tea lover under £15": semantic search with price, colour and stock constraints."""

    def name(self) -> str:
        return "action_search_products"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = str(tracker.latest_message.get("text") or "").strip()
        max_price = next(tracker.get_latest_entity_values("max_price"), None)
        if text.startswith("/") and max_price is None:  # "Find a product" picked after a misunderstood message
            text = words_before_button(tracker) or text
        if max_price is not None:  # "Cheaper ones": the last search again, below the cheapest card shown
            text = f"{text_slot(tracker, 'last_query') or ''} under £{max_price}".strip()
        try:
            with get_deps().session() as session:
                hits = search_products(session, text, CARDS)
        except (SQLAlchemyError, OSError, ValueError):
            log.exception("product search failed")
            dispatcher.utter_message(response="utter_backoffice_error")
            return []
        return _show(dispatcher, hits, response="utter_search_results", query=text)


class ActionRecommendProducts(Action):
    """"What would I like?": from the signed-in shopper's history, else what is popular.

    A request that describes the wish ("a gift for my grandma, max 10 pounds") is answered by the product search,
    which keeps its budget, colours and stock constraints.
    """

    def name(self) -> str:
        return "action_recommend_products"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = str(tracker.latest_message.get("text") or "").strip()
        if text and not text.startswith("/") and describes_wish(text):
            return await ActionSearchProducts().run(dispatcher, tracker, domain)
        customer_id = identity_of(tracker, get_deps()).customer_id
        try:
            with get_deps().session() as session:
                hits = recommend_for(session, customer_id, CARDS) if customer_id is not None else []
                personal = bool(hits)
                if not personal:  # anonymous, or nothing new for this shopper: what others buy most
                    hits = best_sellers(session, CARDS)
        except (SQLAlchemyError, OSError, ValueError):
            log.exception("recommendation failed")
            dispatcher.utter_message(response="utter_backoffice_error")
            return []
        response = "utter_recommendations" if personal else "utter_popular_products"
        return _show(dispatcher, hits, response=response, query=None)


class ActionSimilarItems(Action):
    """"More like the second one" (from the cards just shown), "more like 85123A", "the first one in blue?".

    Asked for another colour ("other colours", "a different colour"), it shows the same kind of product in the
    colours the chosen card is not.
    """

    def name(self) -> str:
        return "action_similar_items"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = str(tracker.latest_message.get("text") or "")
        quoted = next(tracker.get_latest_entity_values("sku"), None) or (
            found.group(1) if (found := SKU.search(text)) else None)
        listed = list_slot(tracker, "listed_products")
        chosen = quoted.upper() if quoted else pick_from_list(
            next(tracker.get_latest_entity_values("ordinal"), None), listed)
        recolour = next(tracker.get_latest_entity_values("other_colour"), None) is not None or bool(
            OTHER_COLOUR.search(text))
        # Without a choice: the first card ("more like this"), or for colours the first card that has any.
        candidates = [chosen] if chosen else listed[: CARDS if recolour else 1]
        if not candidates:
            dispatcher.utter_message(response="utter_which_product_like")
            return []
        hits: list[ProductHit] = []
        try:
            with get_deps().session() as session:
                for sku in candidates:
                    hits = other_colours(session, sku, CARDS) if recolour else similar_to(
                        session, sku, CARDS, exclude=[sku])
                    if hits:
                        break
        except (SQLAlchemyError, OSError, ValueError):
            log.exception("similar items failed")
            dispatcher.utter_message(response="utter_backoffice_error")
            return []
        if recolour and not hits:
            dispatcher.utter_message(response="utter_no_other_colours")
            return []
        return _show(dispatcher, hits, response="utter_other_colours" if recolour else "utter_similar_products",
                     query=None)
