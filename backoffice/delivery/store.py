"""Plans in the database: save a :class:`DeliveryPlan` (replacing that day's), load it back, find a window."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backoffice.delivery.due import Candidate
from backoffice.delivery.geo import Location
from backoffice.delivery.plan import DeliveryPlan, DeliveryWindow, PlannedStop, UnplannedStop, VanRoute
from backoffice.delivery.solving import minutes
from backoffice.models import DeliveryPlanRow, DeliveryRouteRow, DeliveryStopRow, Order, OrderStatus

OPEN = (OrderStatus.PACKED, OrderStatus.SHIPPED)


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
