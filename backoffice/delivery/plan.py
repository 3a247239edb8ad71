"""A day's delivery plan as plain values: vans with their stops in order, and the orders left off the vans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from backoffice.delivery.fleet import van_name

Point = tuple[float, float]


@dataclass(frozen=True)
class PlannedStop:
    """An order on a van: its place in the round, planned arrival and the window promised to the shopper."""

    order_number: str
    sequence: int
    point: Point
    eta: datetime
    window_start: datetime
    window_end: datetime
    demand: int = 1


@dataclass(frozen=True)
class VanRoute:
    """One van's round: leaves the depot at ``depart``, is back at ``back``, drives ``distance_km``."""

    vehicle: str
    stops: tuple[PlannedStop, ...]
    depart: datetime
    back: datetime
    distance_km: float

    @property
    def name(self) -> str:
        return van_name(self.vehicle)

    @property
    def duration(self) -> timedelta:
        return self.back - self.depart

    @property
    def parcels(self) -> int:
        return sum(stop.demand for stop in self.stops)


@dataclass(frozen=True)
class UnplannedStop:
    """An order due that day that is on no van, and why (``point`` is None when the address could not be placed)."""

    order_number: str
    reason: str
    point: Point | None = None
    demand: int = 1


@dataclass(frozen=True)
class DeliveryPlan:
    """The shop's vans for one day: every van's route (used or not) and the orders left out with the reason."""

    day: date
    depot_name: str
    depot: Point
    routes: tuple[VanRoute, ...]
    unserved: tuple[UnplannedStop, ...] = ()
    solver_status: str = "solved"

    @property
    def stops(self) -> list[PlannedStop]:
        return [stop for route in self.routes for stop in route.stops]

    @property
    def distance_km(self) -> float:
        return sum(route.distance_km for route in self.routes)

    @property
    def order_numbers(self) -> list[str]:
        """Every order in the plan, on a van or not."""
        return [s.order_number for s in self.stops] + [u.order_number for u in self.unserved]

    def is_feasible(self) -> bool:
        """True when every order due is on a van."""
        return not self.unserved

    def find(self, order_number: str) -> tuple[VanRoute, PlannedStop] | None:
        """The van and stop of ``order_number``, or None when it is not on a van."""
        for route in self.routes:
            for stop in route.stops:
                if stop.order_number == order_number:
                    return route, stop
        return None

    def unserved_reason(self, order_number: str) -> str | None:
        """Why ``order_number`` is in the plan but on no van (None when it is on a van or not in the plan)."""
        return next((u.reason for u in self.unserved if u.order_number == order_number), None)


@dataclass(frozen=True)
class DeliveryWindow:
    """The window promised to a shopper for one order: the day, from ``start`` to ``end``, on ``vehicle``."""

    order_number: str
    day: date
    start: datetime
    end: datetime
    vehicle: str

    def describe(self) -> str:
        """``Sunday 29 November, between 10:30 and 11:30``."""
        return f"{self.day:%A} {self.day.day} {self.day:%B}, between {self.start:%H:%M} and {self.end:%H:%M}"
