"""A solved (or unsolved) routing problem: routes with their schedule, and why any stop was left out.

Schedules are recomputed here in floating point from the visiting order (start each shift as early as
allowed, wait when early), so the figures never depend on the solver's integer scaling.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backoffice.routing.problem import Problem

TOLERANCE = 1e-6


@dataclass(frozen=True)
class Visit:
    """One stop on a route: when the vehicle arrives, starts service and leaves, and its load afterwards."""

    stop_id: str
    arrival: float
    start: float
    departure: float
    load: int


@dataclass(frozen=True)
class Route:
    """The stops one vehicle serves, in order, with its departure from and return to the depot."""

    vehicle_id: str
    visits: tuple[Visit, ...]
    depart: float
    back: float
    distance: float
    load: int

    @property
    def stop_ids(self) -> list[str]:
        return [v.stop_id for v in self.visits]


@dataclass(frozen=True)
class Unserved:
    """A stop left out of every route, and the reason."""

    stop_id: str
    reason: str


@dataclass(frozen=True)
class Result:
    """Routes, total distance, vehicles used and any unserved stops; ``status`` is the solver's word."""

    problem: Problem
    routes: tuple[Route, ...]
    unserved: tuple[Unserved, ...] = ()
    status: str = "solved"
    seconds: float = 0.0
    violations: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "violations", tuple(check(self.problem, self)))

    @property
    def distance(self) -> float:
        return sum(r.distance for r in self.routes)

    @property
    def vehicles_used(self) -> int:
        return sum(1 for r in self.routes if r.visits)

    def cost(self) -> float:
        """The objective: total distance travelled."""
        return self.distance

    def is_feasible(self) -> bool:
        """Every stop served exactly once, within capacity, time windows and shifts."""
        return not self.unserved and not self.violations

    def summary(self) -> str:
        """One line for logs and the command line."""
        text = f"{self.problem.name or 'problem'}: {self.status}, distance {self.distance:.2f}, "
        text += f"{self.vehicles_used} vehicle(s), {len(self.problem.stops) - len(self.unserved)} stop(s) served"
        if self.unserved:
            text += "; unserved: " + "; ".join(f"{u.stop_id} ({u.reason})" for u in self.unserved)
        if self.violations:
            text += "; violations: " + "; ".join(self.violations)
        return text


def schedule(problem: Problem, vehicle: int, nodes: list[int]) -> Route:
    """The earliest float schedule of ``vehicle`` visiting ``nodes`` (matrix indices, no depot) in order."""
    shift = problem.shift(vehicle)
    t = shift.start
    # Leave the depot as late as the first stop allows, so a route does not start with waiting.
    if nodes:
        first = problem.window(nodes[0])
        t = max(t, first.start - problem.travel_times[0][nodes[0]])
    depart, prev, load, dist = t, 0, 0, 0.0
    visits = []
    for node in nodes:
        arrival = t + problem.travel_times[prev][node]
        start = max(arrival, problem.window(node).start)
        t = start + problem.service_time(node)
        load += problem.demand(node)
        dist += problem.distances[prev][node]
        visits.append(Visit(problem.node_ids[node], arrival, start, t, load))
        prev = node
    back = t + problem.travel_times[prev][0] if nodes else depart
    dist += problem.distances[prev][0]
    return Route(problem.vehicles[vehicle].id, tuple(visits), depart, back, dist, load)


def check(problem: Problem, result: Result) -> list[str]:
    """Every broken rule in ``result``: capacity, windows, shifts, stops missing or served twice."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    vehicle_index = {v.id: i for i, v in enumerate(problem.vehicles)}
    node_index = {stop_id: i for i, stop_id in enumerate(problem.node_ids) if i}
    used_vehicles: set[str] = set()
    for route in result.routes:
        if route.vehicle_id in used_vehicles:
            problems.append(f"vehicle {route.vehicle_id} has two routes")
        used_vehicles.add(route.vehicle_id)
        v = vehicle_index.get(route.vehicle_id)
        if v is None:
            problems.append(f"unknown vehicle {route.vehicle_id}")
            continue
        capacity = problem.vehicles[v].capacity
        if route.load > capacity:
            problems.append(f"vehicle {route.vehicle_id} carries {route.load} > capacity {capacity}")
        shift = problem.shift(v)
        if route.depart < shift.start - TOLERANCE or route.back > shift.end + TOLERANCE:
            problems.append(
                f"vehicle {route.vehicle_id} works {route.depart:.2f}..{route.back:.2f}, "
                f"outside its shift {shift.start:g}..{shift.end:g}"
            )
        for visit in route.visits:
            seen[visit.stop_id] = seen.get(visit.stop_id, 0) + 1
            if visit.stop_id not in node_index:
                problems.append(f"unknown stop {visit.stop_id}")
                continue
            window = problem.window(node_index[visit.stop_id])
            if not window.contains(visit.start, TOLERANCE):
                problems.append(
                    f"stop {visit.stop_id} served at {visit.start:.2f}, outside {window.start:g}..{window.end:g}"
                )
    unserved = {u.stop_id for u in result.unserved}
    for stop in problem.stops:
        count = seen.get(stop.id, 0)
        if count > 1:
            problems.append(f"stop {stop.id} served {count} times")
        elif count == 0 and stop.id not in unserved:
            problems.append(f"stop {stop.id} is neither served nor reported unserved")
    return problems
