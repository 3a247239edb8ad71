"""When the assistant is unsure: offer the likely meanings as buttons, then a person; never brush off anger.

* ``action_clarify`` (the NLU was unsure, ``nlu_fallback``): the two or three most likely meanings as buttons in
  shop words, plus "Something else". Each button carries the entities the shopper already gave (order number,
  e-mail, product), so nothing has to be typed twice once the meaning is clear.
* ``action_out_of_scope``: off-topic messages get the polite "outside what I can help with".
* Either way, a message that sounds upset is apologised for and handed to a person (a complaint), and a second
  miss in a row offers a person instead of another guess.
* ``action_other_language``: a message in another language is answered in English, naming the language.
* ``action_default_fallback``: the dialogue policies were unsure (the NLU was not): ask to rephrase.
"""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import is_operator
from actions.deps import get_deps
from actions.handoff import hand_off
from actions.tone import sounds_upset

# Button titles in shop words for each intent a shopper can be offered when the assistant is unsure.
SHOPPER_CHOICES = {
    "track_order": "Track an order", "cancel_order": "Cancel an order", "change_order": "Change an order",
    "change_shipping_address": "Change a delivery address", "check_cancellation_fee": "Cancellation fees",
    "check_invoice": "See an invoice", "get_invoice": "Get an invoice", "check_payment_methods": "Ways to pay",
    "check_refund_policy": "Returns and refunds policy", "complaint": "Make a complaint",
    "contact_customer_service": "Contact customer service", "contact_human_agent": "Talk to a person",
    "create_account": "Create an account", "delete_account": "Delete my account",
    "delivery_options": "Delivery options", "delivery_period": "When will it arrive?",
    "edit_account": "Change my account details", "get_refund": "Get a refund", "newsletter_subscription": "Newsletter",
    "payment_issue": "A problem with a payment", "place_order": "How to order", "recover_password": "Reset my password",
    "registration_problems": "Trouble signing up", "review": "Leave a review",
    "set_up_shipping_address": "Save a delivery address", "switch_account": "Switch accounts",
    "track_refund": "Where is my refund?", "search_product": "Find a product", "recommend_product": "Suggestions",
    "similar_items": "More like this",
}
OPERATOR_CHOICES = {
    "stock_report": "Stock levels", "forecast_units": "Sales forecast", "stockout_risks": "What will run out",
    "reorder_suggestions": "What to reorder", "show_forecast": "Forecast chart", "plan_deliveries": "Plan deliveries",
    "add_to_plan": "Add an order to the plan", "risky_orders": "Orders held for review",
    "explain_hold": "Why an order was held", "approve_order": "Approve a held order",
    "reject_order": "Reject a held order",
}
# User turns that mean "not understood": the NLU was unsure, off-topic, or "Something else" on the buttons.
MISSES = frozenset({"nlu_fallback", "out_of_scope", "something_else"})
MAX_CHOICES = 3
MIN_CHOICE_CONFIDENCE = 0.05


def misses_in_a_row(tracker: Tracker) -> int:
    """How many of the latest user turns, counting back from the newest, were not understood."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if name not in MISSES:
            break
        count += 1
    return count


def carried_entities(tracker: Tracker) -> dict[str, str]:
    """The entities of the latest message (first value of each type), to be carried into a clarified intent."""
    found: dict[str, str] = {}
    for entity in tracker.latest_message.get("entities") or []:
        name, value = entity.get("entity"), entity.get("value")
        if name and value is not None and name not in found:
            found[str(name)] = str(value)
    return found


def choices(tracker: Tracker, *, operator: bool) -> list[dict[str, str]]:
    """Up to three likely meanings from the intent ranking, as buttons that keep the message's entities."""
    labels = SHOPPER_CHOICES | (OPERATOR_CHOICES if operator else {})
    entities = carried_entities(tracker)
    suffix = json.dumps(entities, separators=(",", ":")) if entities else ""
    buttons: list[dict[str, str]] = []
    for ranked in tracker.latest_message.get("intent_ranking") or []:
        name = ranked.get("name")
        if name in labels and float(ranked.get("confidence") or 0.0) >= MIN_CHOICE_CONFIDENCE:
            buttons.append({"title": labels[name], "payload": f"/{name}{suffix}"})
        if len(buttons) == MAX_CHOICES:
            break
    return buttons


def upset_or_repeated(tracker: Tracker, dispatcher: CollectingDispatcher) -> list[EventType] | None:
    """Apologise and hand off when the shopper sounds upset; offer a person after a second miss; else ``None``."""
    text = str(tracker.latest_message.get("text") or "")
    ranking = tracker.latest_message.get("intent_ranking") or []
    complaint_likely = any(r.get("name") == "complaint" and float(r.get("confidence") or 0) >= 0.2
                           for r in ranking[:3])
    if sounds_upset(text) or complaint_likely:
        dispatcher.utter_message(response="utter_sorry_upset")
        return hand_off(tracker, dispatcher, reason="complaint")
    if misses_in_a_row(tracker) >= 2:
        dispatcher.utter_message(response="utter_offer_person")
        return []
    return None


class ActionClarify(Action):
    """The NLU was unsure: "Is it one of these?" with the likely meanings, or a person after a second miss."""

    def name(self) -> str:
        return "action_clarify"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        handled = upset_or_repeated(tracker, dispatcher)
        if handled is not None:
            return handled
        buttons = choices(tracker, operator=is_operator(tracker, get_deps()))
        if not buttons:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        buttons.append({"title": "Something else", "payload": "/something_else"})
        dispatcher.utter_message(response="utter_clarify", buttons=buttons)
        return []


class ActionOutOfScope(Action):
    """Off-topic: say what the assistant can do; upset shoppers and repeated misses go to a person instead."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        handled = upset_or_repeated(tracker, dispatcher)
        if handled is not None:
            return handled
        dispatcher.utter_message(response="utter_out_of_scope")
        return []


class ActionOtherLanguage(Action):
    """A message in another language: a polite answer in English that names the language it was written in."""

    def name(self) -> str:
        return "action_other_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        language = str(tracker.latest_message.get("language") or "").strip()
        values: dict[str, Any] = {"language": language.title()} if language and language != "unknown" else {}
        dispatcher.utter_message(response="utter_other_language_named" if values else "utter_other_language",
                                 **values)
        return []


class ActionDefaultFallback(Action):
    """The dialogue policies were unsure what to do next: ask to rephrase and carry on from where it was."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_ask_rephrase")
        return [UserUtteranceReverted()]
