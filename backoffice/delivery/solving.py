"""Turn a day's candidates into a routing problem, solve it, and read the result back as a DeliveryPlan.

Times inside the problem are minutes after midnight of the day; distances are km by road (haversine times the
fleet's road factor). The ETA of a stop is when service starts; the promised window is ``window_minutes`` long,
starts on a ``round_to_minutes`` mark about half a window before the ETA, and always contains it. A stop that was
already promised a window keeps it: it is a hard time window for the solver.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from backoffice.delivery.due import Candidate
from backoffice.delivery.fleet import Fleet
from backoffice.delivery.plan import DeliveryPlan, PlannedStop, UnplannedStop, VanRoute
from backoffice.routing import SolverOptions, Stop, TimeWindow, Vehicle, problem_from_coordinates, solve


def minutes(moment: time) -> float:
    """Minutes after midnight."""
    return moment.hour * 60 + moment.minute + moment.second / 60


def at(day: date, minute: float) -> datetime:
    """The moment ``minute`` minutes after midnight of ``day``, to the second."""
    return datetime.combine(day, time()) + timedelta(seconds=round(minute * 60))


def promised_window(eta: float, fleet: Fleet) -> tuple[float, float]:
    """The window (minutes) promised for an arrival at ``eta``: it starts on a round mark and contains the ETA."""
    size, step = fleet.promise.window_minutes, fleet.promise.round_to_minutes
    start = max(math.floor((eta - size / 2) / step) * step, minutes(fleet.vans.shift.start))
    return float(start), float(start + size)


def solve_day(day: date, fleet: Fleet, candidates: Sequence[Candidate], *, time_limit: float) -> DeliveryPlan:
    """The plan for ``candidates`` on ``day`` with the fleet's vans (every van listed, used or not)."""
    shift = TimeWindow(minutes(fleet.vans.shift.start), minutes(fleet.vans.shift.end))
    placed = [c for c in candidates if c.location is not None]
    unserved = [UnplannedStop(c.number, c.reason or "cannot place the address", None, c.demand)
                for c in candidates if c.location is None]
    if not placed:
        idle = tuple(VanRoute(v, (), at(day, shift.start), at(day, shift.start), 0.0) for v in fleet.van_ids())
        return DeliveryPlan(day, fleet.depot.name, fleet.depot.point, idle, tuple(unserved), "nothing to route")
    by_number = {c.number: c for c in placed}
    stops = [
        (Stop(c.number, c.demand, fleet.stops.service_minutes, TimeWindow(*c.promised) if c.promised else None),
         c.location.point)
        for c in placed if c.location is not None
    ]
    vehicles = [Vehicle(v, fleet.vans.capacity_parcels, shift) for v in fleet.van_ids()]
    problem = problem_from_coordinates(depot=fleet.depot.point, stops=stops, vehicles=vehicles, horizon=shift,
                                       road_factor=fleet.roads.road_factor, speed_kmh=fleet.roads.speed_kmh,
                                       name=f"deliveries {day.isoformat()}")
    result = solve(problem, SolverOptions(time_limit=time_limit, workers=fleet.planning.workers))
    routes = []
    for route in result.routes:
        planned = []
        for sequence, visit in enumerate(route.visits, start=1):
            c = by_number[visit.stop_id]
            start, end = c.promised or promised_window(visit.start, fleet)
            assert c.location is not None
            planned.append(PlannedStop(c.number, sequence, c.location.point, at(day, visit.start), at(day, start),
                                       at(day, end), c.demand))
        routes.append(VanRoute(route.vehicle_id, tuple(planned), at(day, route.depart), at(day, route.back),
                               round(route.distance, 3)))
    # The vans are alike: number the busy ones first, so "Van 1" is always on the road when any van is.
    routes.sort(key=lambda r: not r.stops)
    routes = [replace(r, vehicle=v) for r, v in zip(routes, fleet.van_ids(), strict=True)]
    for left in result.unserved:
        c = by_number[left.stop_id]
        unserved.append(UnplannedStop(c.number, _plain(left.reason), c.location.point if c.location else None,
                                      c.demand))
    return DeliveryPlan(day, fleet.depot.name, fleet.depot.point, tuple(routes), tuple(unserved), result.status)


def _plain(reason: str) -> str:
    """The solver's reason with its units named (the shop's problem counts time in minutes, room in parcels)."""
    return reason.replace(" units", " parcels").replace(" too late)", " minutes too late)")
