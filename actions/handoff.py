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
from actions.slots import text_slot
from backoffice.orders import find_order
from backoffice.tickets import open_ticket, queue_spot

log = logging.getLogger(__name__)

REASON_BY_INTENT = {"complaint": "complaint", "contact_human_agent": "human_requested", "delete_account": "account"}


def hand_off(tracker: Tracker, dispatcher: CollectingDispatcher, *, reason: str) -> list[EventType]:
    """Open (or extend) the conversation's ticket and tell the shopper when a person will answer.

    Inside staffed hours that is the queue position and the expected wait; outside them, when the team is back.
    A ``shopdesk_event`` message tells the web front to stop relaying to the assistant and alert the console.
    """
    deps = get_deps()
    who = identity_of(tracker, deps)
    schedule = deps.kb.support
    try:
        with deps.session() as session:
            order = find_order(session, text_slot(tracker, "order_number"), **order_scope(tracker, deps))
            lines = transcript(tracker.events)
            ticket = open_ticket(
                session, conversation_id=tracker.sender_id, reason=reason, transcript=lines, now=deps.clock(),
                customer_id=who.customer_id, order_id=order.id if order else None,
                summary=next((line.text for line in reversed(lines) if line.sender == "customer"), ""),
            )
            ticket_id = ticket.id
            spot = queue_spot(session, ticket, default_minutes=schedule.minutes_per_conversation)
    except SQLAlchemyError:
        log.exception("opening a ticket failed")
        dispatcher.utter_message(response="utter_handoff_failed", support_email=deps.kb.shop.support_email)
        return []
    now = deps.clock()
    if not schedule.is_staffed(now):
        opening = schedule.next_opening(now)
        dispatcher.utter_message(response="utter_handoff_closed", ticket_id=ticket_id,
                                 support_hours=deps.kb.shop.support_hours,
                                 next_opening=opening.strftime("%A at %H:%M") if opening else "soon")
    elif spot is not None:
        dispatcher.utter_message(response="utter_handoff_queue", ticket_id=ticket_id, position=spot.position,
                                 wait_minutes=spot.wait_minutes)
    else:  # a person already has this conversation
        dispatcher.utter_message(response="utter_handoff", ticket_id=ticket_id)
    dispatcher.utter_message(json_message={"shopdesk_event": {"type": "handoff", "ticket_id": ticket_id}})
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
