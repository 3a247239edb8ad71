"""The order form: which order, proved to be the shopper's, and a new address when one is needed."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.context import identity_of, order_scope
from actions.deps import get_deps
from actions.orders import money
from actions.parsing import means_newest, mistyped_order_number, pick_from_list
from actions.slots import list_slot, text_slot
from backoffice.attempts import lookup_order
from backoffice.orders import find_order, normalise_number, plausible_address, recent_orders
from backoffice.policy import can_change_address

log = logging.getLogger(__name__)


def _entity(tracker: Tracker, name: str) -> str | None:
    return next(tracker.get_latest_entity_values(name), None)


class ValidateOrderForm(FormValidationAction):
    """Fills and checks ``order_number`` (and ``order_email`` / ``new_address`` when needed)."""

    def name(self) -> str:
        return "validate_order_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        deps = get_deps()
        slots = [slot for slot in domain_slots if slot not in ("order_email", "new_address")]
        if identity_of(tracker, deps).customer_id is None:
            slots.append("order_email")
        if text_slot(tracker, "order_goal") == "change_address" and self._address_changeable(tracker):
            slots.append("new_address")
        return slots

    def _address_changeable(self, tracker: Tracker) -> bool:
        deps = get_deps()
        try:
            with deps.session() as session:
                order = find_order(session, text_slot(tracker, "order_number"), **order_scope(tracker, deps))
                return order is not None and can_change_address(order, deps.kb.rules).allowed
        except SQLAlchemyError:
            log.exception("order look-up failed")
            return False

    async def extract_order_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Resolve "the second one" against the orders last shown, and "my last order" for a signed-in shopper.

        A mistyped number is passed on to validation, which explains what an order number looks like.
        """
        requested = tracker.get_slot("requested_slot")
        if requested not in (None, "order_number") or _entity(tracker, "order_number"):
            return {}
        ordinal = _entity(tracker, "ordinal")
        text = tracker.latest_message.get("text") or ""
        if ordinal and ordinal.lower() in ("last", "latest") and means_newest(text):
            picked = self._latest_order(tracker)
        else:
            picked = pick_from_list(ordinal, list_slot(tracker, "listed_orders"))
        if picked:
            return {"order_number": picked}
        typo = mistyped_order_number(text) if requested else None
        return {"order_number": typo} if typo else {}

    @staticmethod
    def _latest_order(tracker: Tracker) -> str | None:
        deps = get_deps()
        who = identity_of(tracker, deps)
        if who.customer_id is None:
            return None
        try:
            with deps.session() as session:
                newest = recent_orders(session, customer_id=who.customer_id, limit=1)
                return newest[0].number if newest else None
        except SQLAlchemyError:
            log.exception("recent orders look-up failed")
            return None

    def validate_order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        number = normalise_number(str(value) if value is not None else None)
        if number is None:
            dispatcher.utter_message(response="utter_bad_order_number", value=str(value)[:40])
            return {"order_number": None}
        deps = get_deps()
        who = identity_of(tracker, deps)
        if who.customer_id is None:
            if not text_slot(tracker, "order_email"):
                return {"order_number": number}  # ownership is proved with the e-mail next
            if "order_email" in tracker.slots_to_validate():
                return {}  # both came in this turn: validate_order_email checks the pair, once
            return self._prove(number, text_slot(tracker, "order_email") or "", dispatcher, tracker)
        try:
            with deps.session() as session:
                found = find_order(session, number, customer_id=who.customer_id) is not None
        except SQLAlchemyError:
            log.exception("order look-up failed")
            dispatcher.utter_message(response="utter_backoffice_error")
            return {"order_number": None}
        if not found:
            dispatcher.utter_message(response="utter_order_not_found", order_number=number)
            return {"order_number": None}
        return {"order_number": number}

    def validate_order_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        number = normalise_number(text_slot(tracker, "order_number"))
        email = str(value[0] if isinstance(value, list) and value else value or "").strip().lower()
        if not email:
            return {"order_email": None}
        if number is None:
            return {"order_email": email}
        return self._prove(number, email, dispatcher, tracker)

    @staticmethod
    def _prove(number: str, email: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        """An anonymous shopper's number and e-mail, checked under the failed-attempt limits.

        A wrong number, a wrong e-mail and a lock-out get the same answer, and both slots are cleared, so the
        next try starts from the order number again.
        """
        deps = get_deps()
        try:
            with deps.session() as session:
                found = lookup_order(session, number, email, client=identity_of(tracker, deps).client,
                                     limits=deps.limits, now=deps.clock()) is not None
        except SQLAlchemyError:
            log.exception("order look-up failed")
            dispatcher.utter_message(response="utter_backoffice_error")
            return {"order_number": None, "order_email": None}
        if not found:
            dispatcher.utter_message(response="utter_order_not_found_email", order_number=number)
            return {"order_number": None, "order_email": None}
        return {"order_number": number, "order_email": email}

    def validate_new_address(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not plausible_address(str(value or "")):
            dispatcher.utter_message(response="utter_bad_address")
            return {"new_address": None}
        return {"new_address": " ".join(str(value).split())}


class ActionAskOrderNumber(Action):
    """Ask which order; a signed-in shopper gets their recent orders as buttons."""

    def name(self) -> str:
        return "action_ask_order_number"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        deps = get_deps()
        who = identity_of(tracker, deps)
        if who.customer_id is None:
            dispatcher.utter_message(response="utter_ask_order_number")
            return []
        try:
            with deps.session() as session:
                orders = recent_orders(session, customer_id=who.customer_id, limit=5)
                buttons = [
                    {
                        "title": f"{o.number} · {o.placed_at:%d %b} · {o.status} · £{money(o.total)}",
                        "payload": f'/inform{{"order_number":"{o.number}"}}',
                    }
                    for o in orders
                ]
                numbers = [o.number for o in orders]
        except SQLAlchemyError:
            log.exception("recent orders look-up failed")
            dispatcher.utter_message(response="utter_ask_order_number")
            return []
        if not orders:
            dispatcher.utter_message(response="utter_ask_order_number")
            return []
        dispatcher.utter_message(response="utter_pick_order", buttons=buttons)
        return [SlotSet("listed_orders", numbers)]
