"""After a person closed a hand-off: the assistant is back and asks how the help was."""

from __future__ import annotations

import logging
import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.deps import get_deps
from backoffice.tickets import record_rating

log = logging.getLogger(__name__)
_DIGIT = re.compile(r"(?<![0-9])([1-5])(?![0-9])")


class ActionAskRating(Action):
    """Sent by the web front when staff resolve a hand-off: thank the shopper and ask for 1-5 stars."""

    def name(self) -> str:
        return "action_ask_rating"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        buttons = [{"title": str(n), "payload": f'/rate_support{{"rating": "{n}"}}'} for n in range(1, 6)]
        dispatcher.utter_message(response="utter_ask_rating", buttons=buttons)
        return []


class ActionRateSupport(Action):
    """Store the shopper's rating on the conversation's latest resolved ticket."""

    def name(self) -> str:
        return "action_rate_support"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        raw = next(tracker.get_latest_entity_values("rating"), None) or tracker.latest_message.get("text") or ""
        found = _DIGIT.search(str(raw))
        if found is None:
            dispatcher.utter_message(response="utter_ask_rating_again")
            return []
        deps = get_deps()
        try:
            with deps.session() as session:
                ticket = record_rating(session, tracker.sender_id, int(found.group(1)))
                ticket_id = ticket.id if ticket else None
        except SQLAlchemyError:
            log.exception("storing a rating failed")
            dispatcher.utter_message(response="utter_backoffice_error")
            return []
        if ticket_id is None:
            dispatcher.utter_message(response="utter_no_rating_due")
            return []
        dispatcher.utter_message(response="utter_thanks_rating")
        dispatcher.utter_message(json_message={"shopdesk_event": {"type": "rated", "ticket_id": ticket_id}})
        return []
