"""Hand the conversation to a person: a support ticket with the transcript."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.context import identity_of, latest_intent, order_scope
from actions.deps import get_deps
from actions.parsing import transcript
from backoffice.orders import find_order
from backoffice.tickets import open_ticket

log = logging.getLogger(__name__)

REASON_BY_INTENT = {"complaint": "complaint", "contact_human_agent": "human_requested", "delete_account": "account"}


def hand_off(tracker: Tracker, dispatcher: CollectingDispatcher, *, reason: str) -> list[EventType]:
    """Open (or extend) the conversation's ticket and tell the shopper a person is coming."""
    deps = get_deps()
    who = identity_of(tracker, deps)
    try:
        with deps.session() as session:
            order = find_order(session, tracker.get_slot("order_number"), **order_scope(tracker, deps))
            lines = transcript(tracker.events)
            ticket = open_ticket(
                session, conversation_id=tracker.sender_id, reason=reason, transcript=lines, now=deps.clock(),
                customer_id=who.customer_id, order_id=order.id if order else None,
                summary=next((line.text for line in reversed(lines) if line.sender == "customer"), ""),
            )
            ticket_id = ticket.id
    except SQLAlchemyError:
        log.exception("opening a ticket failed")
        dispatcher.utter_message(response="utter_handoff_failed", support_email=deps.kb.shop.support_email)
        return []
    dispatcher.utter_message(response="utter_handoff", ticket_id=ticket_id, support_hours=deps.kb.shop.support_hours)
    return []


class ActionHandoff(Action):
    """Complaints, "talk to a person" and account deletion go to the support team."""

    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        intent = latest_intent(tracker)
        if intent == "delete_account":
            dispatcher.utter_message(text=get_deps().kb.answer("delete_account") or "")
        return hand_off(tracker, dispatcher, reason=REASON_BY_INTENT.get(intent, "human_requested"))
