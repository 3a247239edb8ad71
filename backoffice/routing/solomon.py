"""Read Solomon-format VRPTW instances (Euclidean, unrounded distances; travel time = distance)."""

from __future__ import annotations

from pathlib import Path

from backoffice.routing.distance import euclidean_matrix
from backoffice.routing.problem import Problem, Stop, TimeWindow, Vehicle


def parse_solomon(text: str, *, name: str = "") -> Problem:
    """A :class:`Problem` from Solomon text: the VEHICLE block, then one row per node (node 0 is the depot)."""
    lines = [line.split() for line in text.splitlines()]
    lines = [fields for fields in lines if fields]
    if not name and lines:
        name = lines[0][0]
    try:
        v_at = next(i for i, f in enumerate(lines) if f[0].upper() == "VEHICLE")
        count, capacity = (int(x) for x in lines[v_at + 2][:2])
        rows = [f for f in lines[v_at + 3 :] if f[0].isdigit()]
        nodes = [(int(f[0]), *(float(x) for x in f[1:7])) for f in rows]
    except (StopIteration, IndexError, ValueError) as exc:
        raise ValueError(f"not a Solomon VRPTW instance ({exc or 'no VEHICLE block'})") from None
    if not nodes or any(len(n) != 7 for n in nodes):
        raise ValueError("not a Solomon VRPTW instance: customer rows need 7 numbers")
    if nodes[0][0] != 0:
        raise ValueError("a Solomon instance starts with the depot, customer number 0")
    if count < 1 or capacity < 0:
        raise ValueError(f"bad VEHICLE block: {count} vehicles of capacity {capacity}")
    depot = nodes[0]
    stops = [
        Stop(str(num), demand=round(demand), service_time=service, window=TimeWindow(ready, due))
        for num, _, _, demand, ready, due, service in nodes[1:]
    ]
    dist = euclidean_matrix([(n[1], n[2]) for n in nodes])
    horizon = TimeWindow(depot[4], depot[5])
    vehicles = [Vehicle(f"v{i + 1}", capacity) for i in range(count)]
    return Problem(tuple(stops), tuple(vehicles), dist, dist, horizon, name)


def read_solomon(path: str | Path) -> Problem:
    """Read a Solomon instance file."""
    path = Path(path)
    return parse_solomon(path.read_text(), name=path.stem)
