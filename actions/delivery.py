"""Operator skills on the shop's own delivery vans: plan a day's rounds, add an order to the plan."""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.background import Say
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


def plan_deliveries(text: str) -> list[Say]:
    """Plan the day ``text`` asks about: a sentence per van and a map (a job: runs in the job process)."""
    deps = get_deps()
    today = deps.clock().date()
    day = plan_day(text, today)
    with deps.session() as session:
        plan = build_plan(session, day, now=deps.clock(), fleet=deps.fleet)
    if not plan.routes and not plan.unserved:
        return [{"response": "utter_no_deliveries", "when": _when(day, today)}]
    image = "data:image/png;base64," + base64.b64encode(plan_map(plan)).decode("ascii")
    lines = "\n".join(f"- {line}" for line in plan_summary(plan))
    return [{"response": "utter_delivery_plan", "when": _when(day, today), "lines": lines, "image": image}]


def add_to_plan(number: str, text: str) -> list[Say]:
    """Re-plan the day with order ``number`` added, keeping every promised window (a job)."""
    deps = get_deps()
    today = deps.clock().date()
    day = plan_day(text, today)
    try:
        with deps.session() as session:
            plan = add_order(session, day, number, now=deps.clock(), fleet=deps.fleet)
    except PlanError as refused:
        return [{"response": "utter_plan_refused", "reason": str(refused)}]
    placed = plan.find(number)
    if placed is None:
        return [{"response": "utter_not_on_a_van", "order_number": number,
                 "reason": plan.unserved_reason(number) or "no van has room for it"}]
    route, stop = placed
    return [{"response": "utter_added_to_plan", "order_number": number, "van": route.vehicle,
             "when": _when(day, today), "window": f"{stop.window_start:%H:%M} and {stop.window_end:%H:%M}"}]


class ActionPlanDeliveries(OperatorAction):
    """"Plan tomorrow's deliveries": routes for the vans, a sentence per van and a map."""

    def name(self) -> str:
        return "action_plan_deliveries"

    def job(self, tracker: Tracker) -> tuple[Callable[..., list[Say]], tuple[Any, ...]]:
        return plan_deliveries, (str(tracker.latest_message.get("text") or ""),)

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        for say in plan_deliveries(str(tracker.latest_message.get("text") or "")):  # in-process, e.g. for a script
            dispatcher.utter_message(**say)


class ActionAddToPlan(OperatorAction):
    """"Add order 581474 to the plan": re-plan keeping every window already promised."""

    def name(self) -> str:
        return "action_add_to_plan"

    def job(self, tracker: Tracker) -> tuple[Callable[..., list[Say]], tuple[Any, ...]] | None:
        number = self._number(tracker)
        return (add_to_plan, (number, str(tracker.latest_message.get("text") or ""))) if number else None

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        dispatcher.utter_message(response="utter_which_order_to_plan")  # only reached without an order number

    @staticmethod
    def _number(tracker: Tracker) -> str | None:
        raw = next(tracker.get_latest_entity_values("order_number"), None) or str(
            tracker.latest_message.get("text") or "")
        found = re.search(r"\d{6}", raw)
        return normalise_number(found.group()) if found else None
