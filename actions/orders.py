"""Order actions: do what the shopper asked for the order the form settled on."""

from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import object_session

from actions.context import lookup_locked, order_scope
from actions.deps import Deps, get_deps
from actions.slots import text_slot
from backoffice.delivery import current_window
from backoffice.models import Order
from backoffice.orders import OrderView, find_order, view
from backoffice.policy import can_cancel, can_change_address, can_refund, refundable_amount

log = logging.getLogger(__name__)

STATUS_TEXT = {
    "placed": "placed and waiting for payment",
    "paid": "paid and being prepared in our warehouse",
    "packed": "packed and waiting for the carrier",
    "shipped": "on its way",
    "delivered": "delivered",
    "cancelled": "cancelled",
    "returned": "returned and refunded",
}


def sentence(text: str) -> str:
    """``text`` with its first letter upper-cased (and nothing else changed)."""
    return text[:1].upper() + text[1:]


def money(amount: Decimal | float) -> str:
    """Two decimals, whatever the database returned."""
    return f"{Decimal(str(amount)):.2f}"


def _day(value: date | datetime) -> str:
    return f"{value:%A %d %B}"


def van_window(order: Order, today: date) -> str | None:
    """The delivery window promised for this order by today's (or a later) van plan, if it is on a van."""
    session = object_session(order)
    window = current_window(session, order.number, today) if session is not None else None
    return window.describe() if window is not None else None


def eta_text(order: OrderView, today: date, window: str | None = None) -> str:
    """When the parcel arrives (or arrived), in one sentence; ``window`` is our own van's promised slot."""
    tracking = order.tracking
    if order.status in ("cancelled", "returned"):
        return f"it was {order.status}, so no delivery is expected."
    if window is not None and (tracking is None or tracking.delivered_at is None):
        return f"it's on our own delivery van: it arrives on {window}."
    if tracking is None:
        return "it hasn't shipped yet; we'll e-mail the tracking link as soon as it leaves our warehouse."
    if tracking.delivered_at is not None:
        return f"it was delivered on {_day(tracking.delivered_at)}."
    if tracking.estimated < today:
        return f"it was due on {_day(tracking.estimated)} and hasn't been confirmed delivered yet."
    if tracking.late:
        return (f"it's running late: the carrier now expects to deliver it on {_day(tracking.estimated)} "
                f"(we had promised {_day(tracking.promised)}).")
    return f"it should arrive on {_day(tracking.estimated)}."


def _clear_goal() -> list[EventType]:
    return [SlotSet("order_goal", None), SlotSet("listed_orders", None)]


class ActionHandleOrder(Action):
    """Track, cancel, re-address, refund, show refunds or the invoice of the settled order."""

    def name(self) -> str:
        return "action_handle_order"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        deps = get_deps()
        goal = text_slot(tracker, "order_goal") or "track"
        try:
            with deps.session() as session:
                order = find_order(session, text_slot(tracker, "order_number"), **order_scope(tracker, deps))
                if order is None:
                    dispatcher.utter_message(response="utter_ask_order_number")
                    return [SlotSet("order_number", None), *_clear_goal()]
                events = self._handle(goal, order, tracker, dispatcher, deps)
                if not any(e.get("name") == "pending_change" for e in events):
                    events.append(SlotSet("pending_change", None))  # an older proposal must not survive this turn
                return events + _clear_goal()
        except SQLAlchemyError:
            log.exception("order action %s failed", goal)
            dispatcher.utter_message(response="utter_backoffice_error")
            return _clear_goal()

    def _handle(
        self, goal: str, order: Order, tracker: Tracker, dispatcher: CollectingDispatcher, deps: Deps
    ) -> list[EventType]:
        seen = view(order)
        common: dict[str, Any] = {"order_number": seen.number, "items": seen.items_text(), "total": money(seen.total)}
        rules = deps.kb.rules
        if goal == "cancel" or goal == "change_order":
            decision = can_cancel(order, rules)
            if not decision.allowed:
                dispatcher.utter_message(response="utter_policy_refused", reason=decision.reason)
                if goal == "change_order":
                    dispatcher.utter_message(response="utter_offer_handoff")
                    return [SlotSet("pending_change", "handoff:policy")]
                return []
            response = "utter_confirm_cancel" if goal == "cancel" else "utter_change_order_cancel_instead"
            dispatcher.utter_message(response=response, reason=decision.reason, **common)
            return [SlotSet("pending_change", f"cancel:{seen.number}")]
        if goal == "change_address":
            decision = can_change_address(order, rules)
            new_address = text_slot(tracker, "new_address")
            if not decision.allowed or not new_address:
                dispatcher.utter_message(response="utter_policy_refused", reason=decision.reason)
                return [SlotSet("new_address", None)]
            dispatcher.utter_message(response="utter_confirm_address", old_address=seen.address,
                                     new_address=new_address, **common)
            return [SlotSet("pending_change", f"change_address:{seen.number}:{new_address}")]
        if goal == "refund":
            decision = can_refund(order, rules, deps.clock())
            if not decision.allowed:
                dispatcher.utter_message(response="utter_policy_refused", reason=decision.reason)
                return []
            dispatcher.utter_message(response="utter_confirm_refund", reason=decision.reason,
                                     amount=money(refundable_amount(order)), **common)
            return [SlotSet("pending_change", f"refund:{seen.number}")]
        if goal == "track_refund":
            self._refunds(seen, dispatcher)
            return []
        if goal == "invoice":
            self._invoice(order, seen, dispatcher)
            return []
        self._track(seen, dispatcher, deps.clock().date(), common, van_window(order, deps.clock().date()))
        return []

    @staticmethod
    def _track(seen: OrderView, dispatcher: CollectingDispatcher, today: date, common: dict[str, Any],
               window: str | None) -> None:
        dispatcher.utter_message(response="utter_order_status", placed=f"{seen.placed_at:%d %B %Y}",
                                 status_text=STATUS_TEXT.get(seen.status, seen.status), **common)
        if seen.tracking is not None and seen.status in ("shipped", "delivered"):
            dispatcher.utter_message(response="utter_tracking", carrier=seen.tracking.carrier,
                                     tracking_number=seen.tracking.tracking_number,
                                     latest_event=seen.tracking.latest_event or "none yet",
                                     eta_text=sentence(eta_text(seen, today, window)))
        elif window is not None:  # packed and already on tomorrow's van round
            dispatcher.utter_message(response="utter_order_eta", order_number=seen.number,
                                     eta_text=sentence(eta_text(seen, today, window)))

    @staticmethod
    def _refunds(seen: OrderView, dispatcher: CollectingDispatcher) -> None:
        if not seen.refunds:
            hint = ("If you'd like to return it, just ask for a refund." if seen.status == "delivered"
                    else "")
            dispatcher.utter_message(response="utter_no_refunds", order_number=seen.number, hint=hint)
            return
        parts = [f"£{money(amount)} {status} (since {at:%d %B})" for amount, status, at in seen.refunds]
        dispatcher.utter_message(response="utter_refunds", order_number=seen.number, refunds_text="; ".join(parts))

    @staticmethod
    def _invoice(order: Order, seen: OrderView, dispatcher: CollectingDispatcher) -> None:
        lines = "; ".join(
            f"{line.quantity} × {line.product.title} at £{money(line.unit_price)}" for line in order.lines[:10]
        )
        if len(order.lines) > 10:
            lines += f"; and {len(order.lines) - 10} more lines"
        payment = next((p.method.replace("_", " ") for p in order.payments), "not paid yet")
        dispatcher.utter_message(response="utter_invoice", order_number=seen.number,
                                 placed=f"{seen.placed_at:%d %B %Y}", lines=lines, total=money(seen.total),
                                 payment=payment)


class ActionDeliveryPeriod(Action):
    """"When will it arrive?": the estimate for the order under discussion, else the shop's delivery times."""

    def name(self) -> str:
        return "action_delivery_period"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        deps = get_deps()
        number = text_slot(tracker, "order_number")
        if number:
            try:
                with deps.session() as session:
                    locked = lookup_locked(session, tracker, deps, number)
                    order = None if locked else find_order(session, number, **order_scope(tracker, deps))
                    if order is not None:
                        today = deps.clock().date()
                        text = eta_text(view(order), today, van_window(order, today))
                        dispatcher.utter_message(response="utter_order_eta", order_number=order.number,
                                                 eta_text=sentence(text))
                        return []
            except SQLAlchemyError:
                log.exception("delivery estimate failed")
                dispatcher.utter_message(response="utter_backoffice_error")
                return []
            if next(tracker.get_latest_entity_values("order_number"), None):
                # The shopper named an order we can't show yet (not signed in, or not theirs): the order form
                # asks for the proof (the order's e-mail) or another number, then tracks it.
                return [SlotSet("order_goal", "track"), FollowupAction("order_form")]
        dispatcher.utter_message(text=deps.kb.answer("delivery_period") or "")
        return []
