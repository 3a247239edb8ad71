"""Plans in the database: save, load back, find a window, and keep stops in step with order changes.

A day's :class:`DeliveryPlan` replaces that day's stored one. A cancelled order leaves the stored plans; a
re-addressed one leaves its van and waits in the plan for a dispatcher.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from backoffice.delivery.due import Candidate
from backoffice.delivery.geo import Location
from backoffice.delivery.plan import DeliveryPlan, DeliveryWindow, PlannedStop, UnplannedStop, VanRoute
from backoffice.delivery.solving import minutes
from backoffice.models import DeliveryPlanRow, DeliveryRouteRow, DeliveryStopRow, Order, OrderStatus

OPEN = (OrderStatus.PACKED, OrderStatus.SHIPPED)
READDRESSED = "the delivery address changed after planning (now: {address}); off the van until a dispatcher checks it"


def _row(session: Session, day: date) -> DeliveryPlanRow | None:
    return session.scalar(
        select(DeliveryPlanRow).where(DeliveryPlanRow.day == day)
        .options(selectinload(DeliveryPlanRow.routes), selectinload(DeliveryPlanRow.stops)
                 .selectinload(DeliveryStopRow.order))
    )


def save_plan(session: Session, plan: DeliveryPlan, order_ids: dict[str, int], *, now: datetime) -> None:
    """Store ``plan`` as the plan of its day (the previous one is replaced); flushes, the caller commits."""
    row = _row(session, plan.day)
    if row is None:
        row = DeliveryPlanRow(day=plan.day, created_at=now)
        session.add(row)
    else:
        row.routes.clear()
        row.stops.clear()
        session.flush()  # the old stops go before the new ones arrive (unique plan + order)
    row.depot_name, (row.depot_lat, row.depot_lon) = plan.depot_name, plan.depot
    row.solver_status, row.updated_at = plan.solver_status[:60], now
    for position, route in enumerate(plan.routes):
        row.routes.append(DeliveryRouteRow(vehicle=route.vehicle, position=position, depart=route.depart,
                                           back=route.back, distance_km=route.distance_km))
        for stop in route.stops:
            row.stops.append(DeliveryStopRow(
                order_id=order_ids[stop.order_number], vehicle=route.vehicle, sequence=stop.sequence,
                lat=stop.point[0], lon=stop.point[1], demand=stop.demand, eta=stop.eta,
                window_start=stop.window_start, window_end=stop.window_end))
    for left in plan.unserved:
        lat, lon = left.point if left.point else (None, None)
        row.stops.append(DeliveryStopRow(order_id=order_ids[left.order_number], lat=lat, lon=lon,
                                         demand=left.demand, reason=left.reason))
    session.flush()


def load_plan(session: Session, day: date) -> DeliveryPlan | None:
    """The stored plan for ``day``, or None when there is none."""
    row = _row(session, day)
    if row is None:
        return None
    routes = []
    for route in row.routes:
        stops = sorted((s for s in row.stops if s.vehicle == route.vehicle), key=lambda s: s.sequence or 0)
        routes.append(VanRoute(route.vehicle, tuple(
            PlannedStop(s.order.number, s.sequence or 0, (s.lat or 0.0, s.lon or 0.0), s.eta or route.depart,
                        s.window_start or route.depart, s.window_end or route.back, s.demand) for s in stops
        ), route.depart, route.back, route.distance_km))
    unserved = tuple(
        UnplannedStop(s.order.number, s.reason or "", (s.lat, s.lon) if s.lat is not None and s.lon is not None
                      else None, s.demand)
        for s in row.stops if s.vehicle is None
    )
    return DeliveryPlan(row.day, row.depot_name, (row.depot_lat, row.depot_lon), tuple(routes), unserved,
                        row.solver_status)


def stored_candidates(session: Session, day: date) -> list[Candidate]:
    """The orders of the stored plan for ``day`` as candidates; those on a van keep their promised window."""
    row = _row(session, day)
    if row is None:
        return []
    out = []
    for s in row.stops:
        location = Location(s.lat, s.lon, "") if s.lat is not None and s.lon is not None else None
        promised = None
        if s.vehicle is not None and s.window_start is not None and s.window_end is not None:
            promised = (minutes(s.window_start.time()), minutes(s.window_end.time()))
        out.append(Candidate(s.order_id, s.order.number, location, s.demand, promised,
                             None if location else s.reason))
    return out


def find_window(session: Session, order_number: str, today: date) -> DeliveryWindow | None:
    """The promised window of an open order on a van in a plan for ``today`` or later (the earliest day)."""
    found = session.execute(
        select(DeliveryStopRow, DeliveryPlanRow.day)
        .join(DeliveryPlanRow, DeliveryStopRow.plan_id == DeliveryPlanRow.id)
        .join(Order, DeliveryStopRow.order_id == Order.id)
        .where(Order.number == order_number.strip(), Order.status.in_([str(s) for s in OPEN]),
               DeliveryPlanRow.day >= today, DeliveryStopRow.vehicle.is_not(None),
               DeliveryStopRow.window_start.is_not(None), DeliveryStopRow.window_end.is_not(None))
        .order_by(DeliveryPlanRow.day)
        .limit(1)
    ).first()
    if found is None:
        return None
    stop, day = found
    assert stop.window_start is not None and stop.window_end is not None and stop.vehicle is not None
    return DeliveryWindow(order_number.strip(), day, stop.window_start, stop.window_end, stop.vehicle)


def _stops_of(session: Session, order_id: int, now: datetime) -> list[DeliveryStopRow]:
    """The order's stops in plans for today or later, with those plans locked and marked updated.

    The plans' rows are locked by a conditional update first, so two order changes touching one plan (two
    cancels on the same van, say) renumber its stops one after the other, on PostgreSQL as on SQLite. Plans of
    past days are history and stay as they were.
    """
    planned = select(DeliveryStopRow.plan_id).where(DeliveryStopRow.order_id == order_id)
    session.execute(update(DeliveryPlanRow).where(DeliveryPlanRow.day >= now.date(), DeliveryPlanRow.id.in_(planned))
                    .values(updated_at=now).execution_options(synchronize_session="fetch"))
    return list(session.scalars(
        select(DeliveryStopRow).join(DeliveryPlanRow, DeliveryStopRow.plan_id == DeliveryPlanRow.id)
        .where(DeliveryStopRow.order_id == order_id, DeliveryPlanRow.day >= now.date())
        .execution_options(populate_existing=True)
    ))


def _renumber(session: Session, vans: set[tuple[int, str]]) -> None:
    """Number the stops left on each (plan, van) 1, 2, 3... in their old order: the driver's list has no gaps."""
    for plan_id, vehicle in sorted(vans):
        stops = session.scalars(
            select(DeliveryStopRow).where(DeliveryStopRow.plan_id == plan_id, DeliveryStopRow.vehicle == vehicle)
            .order_by(DeliveryStopRow.sequence).execution_options(populate_existing=True)
        )
        for position, stop in enumerate(stops, start=1):
            stop.sequence = position
    session.flush()


def drop_cancelled(session: Session, order_id: int, *, now: datetime) -> int:
    """Take a cancelled order out of every plan from today on (how many stops went); flushes, the caller commits.

    The other stops keep their promised windows and ETAs (a van that skips a door is only early, and waits), so no
    shopper's promise moves; the van's stops are renumbered. The route's distance and return time stay as
    planned: an upper bound until the day is planned again.
    """
    stops = _stops_of(session, order_id, now)
    vans = {(stop.plan_id, stop.vehicle) for stop in stops if stop.vehicle is not None}
    for stop in stops:
        session.delete(stop)
    session.flush()
    _renumber(session, vans)
    return len(stops)


def flag_readdressed(session: Session, order_id: int, address: str, *, now: datetime) -> int:
    """Take a re-addressed order off its van in every plan from today on, kept in the plan with the reason.

    Why not re-geocode and re-plan on the spot: the shopper's new address is one free line (city, postcode and
    country are cleared), which the offline geocoder cannot place, so a new point would be a guess; and solving
    the day again inside the shopper's chat turn takes seconds and may move windows promised to other shoppers.
    What a dispatcher needs instead is that no van drives to the old door, that the shopper is not promised the
    old window (only stops on a van have one), and to see which order needs them: so the stop leaves its van
    (its old point, ETA and window are cleared, the van's stops are renumbered, everyone else keeps their window)
    and stays in the plan off the vans with ``READDRESSED`` as its reason, listed with the plan's left-out orders.
    How many stops changed; flushes, the caller commits.
    """
    stops = _stops_of(session, order_id, now)
    vans = {(stop.plan_id, stop.vehicle) for stop in stops if stop.vehicle is not None}
    for stop in stops:
        stop.vehicle = stop.sequence = stop.eta = stop.window_start = stop.window_end = None
        stop.lat = stop.lon = None
        stop.reason = READDRESSED.format(address=address)
    session.flush()
    _renumber(session, vans)
    return len(stops)
