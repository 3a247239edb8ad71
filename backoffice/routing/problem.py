"""The routing problem: a depot, stops with demand, service time and time window, and a fleet.

Node 0 of the matrices is the depot; node ``i`` (1..n) is ``stops[i - 1]``. Times and distances are in the
caller's units (the shop uses minutes and kilometres; Solomon instances use one abstract unit for both).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

Matrix = tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class TimeWindow:
    """Earliest and latest start of service (or of a shift)."""

    start: float
    end: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.start) and math.isfinite(self.end)):
            raise ValueError(f"time window bounds must be finite, got {self.start}..{self.end}")
        if self.start > self.end:
            raise ValueError(f"time window starts after it ends: {self.start} > {self.end}")

    def contains(self, t: float, tol: float = 1e-6) -> bool:
        return self.start - tol <= t <= self.end + tol


@dataclass(frozen=True)
class Stop:
    """A customer to visit: ``demand`` units, ``service_time`` on site, service must start inside ``window``."""

    id: str
    demand: int = 0
    service_time: float = 0.0
    window: TimeWindow | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("a stop needs a non-empty id")
        if self.demand < 0:
            raise ValueError(f"stop {self.id}: demand must be >= 0, got {self.demand}")
        if not (self.service_time >= 0 and math.isfinite(self.service_time)):
            raise ValueError(f"stop {self.id}: service time must be a finite number >= 0, got {self.service_time}")


@dataclass(frozen=True)
class Vehicle:
    """A vehicle starting and ending at the depot, carrying at most ``capacity`` inside its ``shift``."""

    id: str
    capacity: int
    shift: TimeWindow | None = None

    def __post_init__(self) -> None:
        if self.capacity < 0:
            raise ValueError(f"vehicle {self.id}: capacity must be >= 0, got {self.capacity}")


@dataclass(frozen=True)
class Problem:
    """A CVRPTW instance with its distance and travel-time matrices (node 0 is the depot).

    ``horizon`` is the depot's opening window: every vehicle leaves and returns inside it (and inside its own
    shift). Build one with :func:`backoffice.routing.distance.problem_from_coordinates` or pass matrices.
    """

    stops: tuple[Stop, ...]
    vehicles: tuple[Vehicle, ...]
    distances: Matrix
    travel_times: Matrix
    horizon: TimeWindow
    name: str = ""
    node_ids: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n = len(self.stops) + 1
        if not self.vehicles:
            raise ValueError("a problem needs at least one vehicle")
        ids = [s.id for s in self.stops]
        if len(set(ids)) != len(ids):
            raise ValueError("stop ids must be unique")
        if len({v.id for v in self.vehicles}) != len(self.vehicles):
            raise ValueError("vehicle ids must be unique")
        for label, matrix in (("distance", self.distances), ("travel-time", self.travel_times)):
            if len(matrix) != n or any(len(row) != n for row in matrix):
                raise ValueError(f"the {label} matrix must be {n}x{n} (depot + {n - 1} stops)")
            if any(not (x >= 0 and math.isfinite(x)) for row in matrix for x in row):
                raise ValueError(f"the {label} matrix must hold finite numbers >= 0")
        object.__setattr__(self, "node_ids", ("depot", *ids))

    @classmethod
    def build(
        cls,
        *,
        stops: Sequence[Stop],
        vehicles: Sequence[Vehicle],
        distances: Sequence[Sequence[float]],
        travel_times: Sequence[Sequence[float]] | None = None,
        horizon: TimeWindow,
        name: str = "",
    ) -> Problem:
        """A problem from plain sequences; travel time equals distance when ``travel_times`` is None."""
        dist = tuple(tuple(float(x) for x in row) for row in distances)
        times = dist if travel_times is None else tuple(tuple(float(x) for x in row) for row in travel_times)
        return cls(tuple(stops), tuple(vehicles), dist, times, horizon, name)

    def window(self, node: int) -> TimeWindow:
        """The service window of a node (the horizon for the depot and for stops without one)."""
        if node == 0:
            return self.horizon
        return self.stops[node - 1].window or self.horizon

    def shift(self, vehicle: int) -> TimeWindow:
        """A vehicle's shift clipped to the depot's horizon."""
        s = self.vehicles[vehicle].shift or self.horizon
        return TimeWindow(max(s.start, self.horizon.start), max(min(s.end, self.horizon.end), s.start))

    def demand(self, node: int) -> int:
        return 0 if node == 0 else self.stops[node - 1].demand

    def service_time(self, node: int) -> float:
        return 0.0 if node == 0 else self.stops[node - 1].service_time

    def node(self, stop_id: str) -> int:
        """The matrix index of a stop id."""
        try:
            return self.node_ids.index(stop_id, 1)
        except ValueError:
            raise ValueError(f"unknown stop id {stop_id!r}") from None
