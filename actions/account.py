"""Account actions the assistant can do itself: the newsletter subscription of a signed-in shopper."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.context import identity_of, signed_in_customer
from actions.deps import get_deps
from backoffice.customers import set_newsletter

log = logging.getLogger(__name__)


class ActionNewsletter(Action):
    """Tell a signed-in shopper whether they get the newsletter and offer to switch; guide everyone else."""

    def name(self) -> str:
        return "action_newsletter"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        deps = get_deps()
        customer = signed_in_customer(tracker, deps)
        subscribed = customer.newsletter if customer else None
        if subscribed is None:
            dispatcher.utter_message(text=deps.kb.answer("newsletter_subscription") or "")
            return [SlotSet("pending_change", None)]
        response = "utter_newsletter_subscribed" if subscribed else "utter_newsletter_not_subscribed"
        dispatcher.utter_message(response=response)
        return [SlotSet("pending_change", "newsletter_off" if subscribed else "newsletter_on")]


def apply_newsletter(pending: str, tracker: Tracker, dispatcher: CollectingDispatcher) -> None:
    """Carry out a confirmed ``newsletter_on`` / ``newsletter_off``."""
    deps = get_deps()
    who = identity_of(tracker, deps)
    subscribe = pending == "newsletter_on"
    try:
        with deps.session() as session:
            done = who.customer_id is not None and set_newsletter(session, who.customer_id, subscribe) is not None
    except SQLAlchemyError:
        log.exception("newsletter change failed")
        done = False
    if not done:
        dispatcher.utter_message(response="utter_backoffice_error")
        return
    dispatcher.utter_message(response="utter_newsletter_on" if subscribe else "utter_newsletter_off")
