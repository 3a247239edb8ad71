"""Operator skills on the shop's own delivery vans: plan a day's rounds, add an order to the plan."""

from __future__ import annotations

import base64
import logging
import re
from datetime import date, timedelta

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.deps import get_deps
from actions.operator import OperatorAction
from backoffice.delivery import PlanError, add_order, build_plan, plan_map, plan_summary
from backoffice.orders import normalise_number

log = logging.getLogger(__name__)


def plan_day(text: str, today: date) -> date:
    """The day a request is about: "today", else tomorrow (the usual question is tomorrow's round)."""
    return today if re.search(r"\btoday\b", text.lower()) else today + timedelta(days=1)


def _when(day: date, today: date) -> str:
    label = "today" if day == today else "tomorrow" if day == today + timedelta(days=1) else f"{day:%A}"
    return f"{label} ({day:%A} {day.day} {day:%B})"


class ActionPlanDeliveries(OperatorAction):
    """"Plan tomorrow's deliveries": routes for the vans, a sentence per van and a map."""

    def name(self) -> str:
        return "action_plan_deliveries"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        today = get_deps().clock().date()
        day = plan_day(str(tracker.latest_message.get("text") or ""), today)
        with get_deps().session() as session:
            plan = build_plan(session, day, now=get_deps().clock(), fleet=get_deps().fleet)
        if not plan.routes and not plan.unserved:
            dispatcher.utter_message(response="utter_no_deliveries", when=_when(day, today))
            return
        image = "data:image/png;base64," + base64.b64encode(plan_map(plan)).decode("ascii")
        lines = "\n".join(f"- {line}" for line in plan_summary(plan))
        dispatcher.utter_message(response="utter_delivery_plan", when=_when(day, today), lines=lines, image=image)


class ActionAddToPlan(OperatorAction):
    """"Add order 581474 to the plan": re-plan keeping every window already promised."""

    def name(self) -> str:
        return "action_add_to_plan"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        raw = next(tracker.get_latest_entity_values("order_number"), None) or str(
            tracker.latest_message.get("text") or "")
        found = re.search(r"\d{6}", raw)
        number = normalise_number(found.group()) if found else None
        if number is None:
            dispatcher.utter_message(response="utter_which_order_to_plan")
            return
        today = get_deps().clock().date()
        day = plan_day(str(tracker.latest_message.get("text") or ""), today)
        try:
            with get_deps().session() as session:
                plan = add_order(session, day, number, now=get_deps().clock(), fleet=get_deps().fleet)
        except PlanError as refused:
            dispatcher.utter_message(response="utter_plan_refused", reason=str(refused))
            return
        placed = plan.find(number)
        if placed is None:
            dispatcher.utter_message(response="utter_not_on_a_van", order_number=number,
                                     reason=plan.unserved_reason(number) or "no van has room for it")
            return
        route, stop = placed
        dispatcher.utter_message(response="utter_added_to_plan", order_number=number, van=route.vehicle,
                                 when=_when(day, today),
                                 window=f"{stop.window_start:%H:%M} and {stop.window_end:%H:%M}")
