"""Why a stop cannot be served: checked for each stop alone, then against the rest of the plan."""

from __future__ import annotations

from backoffice.routing.problem import Problem


def lonely_reasons(problem: Problem) -> dict[int, str]:
    """Stops (matrix indices) that no vehicle could serve even on a route of their own, with the reason."""
    reasons = {}
    for node in range(1, len(problem.stops) + 1):
        reason = _alone(problem, node)
        if reason:
            reasons[node] = reason
    return reasons


def _alone(problem: Problem, node: int) -> str | None:
    stop = problem.stops[node - 1]
    largest = max(v.capacity for v in problem.vehicles)
    if stop.demand > largest:
        return f"demand {stop.demand} exceeds the largest vehicle capacity {largest}"
    window = problem.window(node)
    there, back = problem.travel_times[0][node], problem.travel_times[node][0]
    late_by, overrun = [], []
    for v, vehicle in enumerate(problem.vehicles):
        if vehicle.capacity < stop.demand:
            continue
        shift = problem.shift(v)
        arrival = shift.start + there
        start = max(arrival, window.start)
        if arrival > window.end + 1e-9:
            late_by.append(arrival - window.end)
        elif start + stop.service_time + back > shift.end + 1e-9:
            overrun.append(start + stop.service_time + back - shift.end)
        else:
            return None
    if late_by and not overrun:
        return (
            f"cannot be reached before its window closes at {window.end:g}: the earliest arrival is "
            f"{min(late_by) + window.end:g}"
        )
    return (
        f"a vehicle serving it could not be back at the depot before its shift ends "
        f"(at least {min(overrun or late_by):g} too late)"
    )


def unplaced_reason(problem: Problem, node: int, loads: list[int]) -> str:
    """Why the solver left out a stop it could serve alone, given the load of each vehicle's route."""
    demand = sum(s.demand for s in problem.stops)
    capacity = sum(v.capacity for v in problem.vehicles)
    if demand > capacity:
        return f"not enough room: the stops need {demand} units, the fleet carries {capacity}"
    room = max(v.capacity - load for v, load in zip(problem.vehicles, loads, strict=True))
    if room < problem.demand(node):
        return (
            f"no vehicle has {problem.demand(node)} units of room left: the loads could not be packed "
            f"({demand} units for {capacity}) within the time limit"
        )
    return "no vehicle has time for it: its window clashes with the other stops on every route"
