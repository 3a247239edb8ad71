"""When the assistant didn't understand: check its best guess, ask to rephrase, then hand off."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import latest_intent
from actions.handoff import hand_off

# How the assistant names each intent when it asks "Did you mean ...?".
INTENT_WORDS = {
    "cancel_order": "cancel an order", "change_order": "change an order",
    "change_shipping_address": "change the delivery address of an order",
    "check_cancellation_fee": "know the cancellation fee", "check_invoice": "see an invoice",
    "check_payment_methods": "know which payment methods we accept", "check_refund_policy": "know our refund policy",
    "complaint": "make a complaint", "contact_customer_service": "contact customer service",
    "contact_human_agent": "talk to a person", "create_account": "create an account",
    "delete_account": "delete your account", "delivery_options": "know the delivery options",
    "delivery_period": "know when your order arrives", "edit_account": "change your account details",
    "get_invoice": "get an invoice", "get_refund": "get a refund", "newsletter_subscription": "manage the newsletter",
    "payment_issue": "report a payment problem", "place_order": "place an order",
    "recover_password": "reset your password", "registration_problems": "get help signing up",
    "review": "leave a review", "set_up_shipping_address": "set up a delivery address",
    "switch_account": "switch accounts", "track_order": "track an order", "track_refund": "check on a refund",
}


class ActionAskAffirmation(Action):
    """First stage of the two-stage fallback: "Did you mean to track an order?" with Yes / No buttons."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        ranking = tracker.latest_message.get("intent_ranking") or []
        guess = next((r.get("name") for r in ranking if r.get("name") in INTENT_WORDS), None)
        if guess is None:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        dispatcher.utter_message(
            response="utter_ask_affirmation", intent_words=INTENT_WORDS[guess],
            buttons=[{"title": "Yes", "payload": f"/{guess}"}, {"title": "No", "payload": "/out_of_scope"}],
        )
        return []


class ActionDefaultFallback(Action):
    """Not understood. At the end of the two-stage fallback (misunderstood twice) a person takes over.

    Either way the misunderstood message is reverted, so the dialogue carries on from where it was.
    """

    def name(self) -> str:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if latest_intent(tracker) != "nlu_fallback":  # the dialogue policies were unsure, the NLU was not
            dispatcher.utter_message(response="utter_ask_rephrase")
            return [UserUtteranceReverted()]
        dispatcher.utter_message(response="utter_default")
        return [*hand_off(tracker, dispatcher, reason="fallback"), UserUtteranceReverted()]
