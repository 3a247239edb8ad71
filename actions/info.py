"""Policy and information answers from the shop's knowledge base, and the greeting."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import latest_intent, signed_in_customer
from actions.deps import get_deps

# Topics where the bot can only guide: it offers a person afterwards.
OFFER_HANDOFF = {"payment_issue", "registration_problems", "contact_customer_service"}


class ActionAnswerPolicy(Action):
    """Answer the latest intent's topic from the policy knowledge base."""

    def name(self) -> str:
        return "action_answer_policy"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        topic = latest_intent(tracker)
        answer = get_deps().kb.answer(topic)
        if answer is None:
            dispatcher.utter_message(response="utter_offer_handoff")
            return [SlotSet("pending_change", "handoff")]
        dispatcher.utter_message(text=answer)
        if topic in OFFER_HANDOFF:
            dispatcher.utter_message(response="utter_offer_handoff")
            return [SlotSet("pending_change", "handoff")]
        return [SlotSet("pending_change", None)]


class ActionGreet(Action):
    """Greet a signed-in shopper by name."""

    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        customer = signed_in_customer(tracker, get_deps())
        name = customer.name.split()[0] if customer else None
        if name:
            dispatcher.utter_message(response="utter_greet_customer", name=name)
        else:
            dispatcher.utter_message(response="utter_greet")
        return []
