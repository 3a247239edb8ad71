"""Operator skills on fraud screening: today's risky orders, why an order was held, approve or reject it."""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.context import identity_of
from actions.deps import get_deps
from actions.operator import OperatorAction
from backoffice.fraud.shop import explain, held_orders, review, risky_orders
from backoffice.models import StaffMember
from backoffice.orders import OrderChanged, normalise_number

LIST_LIMIT = 10
_NUMBER = re.compile(r"(?<![0-9])([0-9]{6})(?![0-9])")
# "approve order 581474, the customer confirmed by phone" / "... because ..." / "... reason: ..."
_REASON = re.compile(r"[0-9]{6}\s*(?:[,:;.\-–]|\bbecause\b|\breason\b:?|\bas\b|\bsince\b)\s*(.+)$", re.I | re.S)


def _order_number(tracker: Tracker) -> str | None:
    raw = next(tracker.get_latest_entity_values("order_number"), None) or str(
        tracker.latest_message.get("text") or "")
    found = _NUMBER.search(raw)
    return normalise_number(found.group(1)) if found else None


def _line(order: dict[str, object]) -> str:
    score = order.get("score")
    risk = f"{score:.0%}" if isinstance(score, float) else "not scored"
    state = "held" if order.get("held") else "passed"
    reasons = "; ".join(str(r) for r in order.get("reasons") or []) or "no single factor stands out"  # type: ignore[attr-defined]
    return (f"- {order['number']} · {order.get('customer') or 'guest'} · £{order['total']} · risk {risk} · "
            f"{state}: {reasons}")


class ActionRiskyOrders(OperatorAction):
    """"Show today's risky orders": what was held or scored high today, and the review queue."""

    def name(self) -> str:
        return "action_risky_orders"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        today = get_deps().clock().date()
        with get_deps().session() as session:
            risky = risky_orders(session, today, limit=LIST_LIMIT)
            queue = held_orders(session, limit=LIST_LIMIT)
        if risky:
            dispatcher.utter_message(response="utter_risky_today", count=len(risky),
                                     lines="\n".join(_line(o) for o in risky))
        else:
            dispatcher.utter_message(response="utter_no_risky_today")
        if queue:
            dispatcher.utter_message(response="utter_review_queue", count=len(queue),
                                     lines="\n".join(_line(o) for o in queue))


class ActionExplainHold(OperatorAction):
    """"Why was order 581474 held?"."""

    def name(self) -> str:
        return "action_explain_hold"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        number = _order_number(tracker)
        if number is None:
            dispatcher.utter_message(response="utter_which_order_to_review")
            return
        with get_deps().session() as session:
            info = explain(session, number)
        if info is None:
            dispatcher.utter_message(response="utter_no_such_order", order_number=number)
            return
        dispatcher.utter_message(response="utter_fraud_explanation", text=info["text"])


class ActionReviewOrder(OperatorAction):
    """"Approve order 581474, customer confirmed by phone" / "reject order X because ...": stored as a label."""

    def name(self) -> str:
        return "action_review_order"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        intent = str((tracker.latest_message.get("intent") or {}).get("name") or "")
        decision = "reject" if intent == "reject_order" else "approve"
        number = _order_number(tracker)
        if number is None:
            dispatcher.utter_message(response="utter_which_order_to_review")
            return
        text = str(tracker.latest_message.get("text") or "")
        found = _REASON.search(text)
        reason = found.group(1).strip() if found else ""
        if len(reason) < 3:
            dispatcher.utter_message(response="utter_review_needs_reason", decision=decision, order_number=number)
            return
        who = identity_of(tracker, get_deps())
        staff_id = int(who.sender_id.split("-", 1)[1]) if re.fullmatch(r"staff-\d+", who.sender_id) else None
        try:
            with get_deps().session() as session:
                if explain(session, number) is None:
                    dispatcher.utter_message(response="utter_no_such_order", order_number=number)
                    return
                staff = session.get(StaffMember, staff_id) if staff_id is not None else None
                review(session, number, decision, reason, staff, now=get_deps().clock())
        except OrderChanged as changed:  # the shopper (or another reviewer) changed it first: nothing was stored
            dispatcher.utter_message(response="utter_policy_refused", reason=changed.decision.reason)
            return
        response = "utter_order_rejected" if decision == "reject" else "utter_order_approved"
        dispatcher.utter_message(response=response, order_number=number, reason=reason)
