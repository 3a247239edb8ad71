"""The shop's delivery plans: build a day's plan, add an order to it, tell a shopper their window.

Every function takes the caller's session and flushes; the caller commits (``session_scope`` does).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backoffice.delivery.due import PlanError, candidate_to_add, due_candidates
from backoffice.delivery.fleet import Fleet, load_fleet
from backoffice.delivery.plan import DeliveryPlan, DeliveryWindow, UnplannedStop
from backoffice.delivery.solving import solve_day
from backoffice.delivery.store import find_window, load_plan, save_plan, stored_candidates
from backoffice.models import Order


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def build_plan(session: Session, day: date, *, time_limit: float | None = None, fleet: Fleet | None = None,
               now: datetime | None = None) -> DeliveryPlan:
    """Plan ``day`` from scratch with the orders due that day (``backoffice.delivery.due``) and store it.

    A plan already stored for ``day`` is replaced, windows included; use :func:`add_order` to change a plan
    whose windows shoppers may have seen.
    """
    fleet = fleet or load_fleet()
    candidates = due_candidates(session, day, fleet)
    plan = solve_day(day, fleet, candidates, time_limit=time_limit or fleet.planning.time_limit_seconds)
    save_plan(session, plan, {c.number: c.order_id for c in candidates}, now=now or _now())
    return plan


def get_plan(session: Session, day: date) -> DeliveryPlan | None:
    """The stored plan for ``day``, or None."""
    return load_plan(session, day)


def add_order(session: Session, day: date, order_number: str, *, time_limit: float | None = None,
              fleet: Fleet | None = None, now: datetime | None = None) -> DeliveryPlan:
    """Add an order to ``day``'s plan and re-plan, keeping every window already promised.

    Builds the day's plan first when there is none. Raises :class:`PlanError` (with a message to show) for an
    unknown order, one already in the plan, cancelled/delivered/returned, not packed yet, on a fraud hold, abroad
    or outside the service area, or whose address cannot be placed. When the order does not fit on any van
    without moving a promised stop, it is kept in the plan off the vans with the reason.
    """
    fleet = fleet or load_fleet()
    number = order_number.strip().lstrip("#")
    order = session.scalar(select(Order).where(Order.number == number)
                           .options(selectinload(Order.shipments), selectinload(Order.lines)))
    if order is None:
        raise PlanError("unknown_order", f"I can't find an order {number or order_number!r}.")
    candidate = candidate_to_add(order, fleet)
    current = load_plan(session, day)
    if current is None:
        current = build_plan(session, day, time_limit=time_limit, fleet=fleet, now=now)
        if number in current.order_numbers:
            return current
    elif number in current.order_numbers:
        raise PlanError("already_planned", _already(current, number))
    existing = stored_candidates(session, day)
    limit = time_limit or fleet.planning.time_limit_seconds
    plan = solve_day(day, fleet, [*existing, candidate], time_limit=limit)
    moved = [s.order_number for s in current.stops if plan.find(s.order_number) is None]
    if moved:  # never break a promise to make room: keep the old rounds, the new order waits off the vans
        reason = plan.unserved_reason(number) or "no van can take it without moving a promised delivery"
        plan = replace(current, unserved=(*current.unserved, UnplannedStop(
            number, f"no room without moving a promised delivery ({reason})", candidate.location.point
            if candidate.location else None, candidate.demand)))
    ids = {c.number: c.order_id for c in existing} | {number: order.id}
    save_plan(session, plan, ids, now=now or _now())
    return plan


def _already(plan: DeliveryPlan, number: str) -> str:
    found = plan.find(number)
    when = f"{plan.day:%A} {plan.day.day} {plan.day:%B}"
    if found is None:
        return f"Order {number} is already in the plan for {when}, but on no van: {plan.unserved_reason(number)}."
    route, stop = found
    return (f"Order {number} is already in the plan for {when}: {route.name}, stop {stop.sequence}, "
            f"{stop.window_start:%H:%M}–{stop.window_end:%H:%M}.")


def current_window(session: Session, order_number: str, today: date) -> DeliveryWindow | None:
    """The window promised for a shopper's order on the shop's vans (today or later), or None when not planned."""
    return find_window(session, order_number.strip().lstrip("#"), today)
