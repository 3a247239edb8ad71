"""Read CVRPLIB (TSPLIB-style) ``.vrp`` files: EUC_2D coordinates, distances rounded to the nearest integer."""

from __future__ import annotations

import math
import re
from pathlib import Path

from backoffice.routing.distance import euclidean_matrix
from backoffice.routing.problem import Problem, Stop, TimeWindow, Vehicle

_SECTIONS = ("NODE_COORD_SECTION", "DEMAND_SECTION", "DEPOT_SECTION")


def parse_cvrplib(text: str, *, name: str = "", vehicles: int | None = None) -> Problem:
    """A capacity-only :class:`Problem` (no time windows); ``vehicles`` defaults to ``k`` in the name."""
    header: dict[str, str] = {}
    sections: dict[str, list[list[str]]] = {s: [] for s in _SECTIONS}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line == "EOF":
            continue
        key = line.split(":")[0].strip().upper()
        if key in _SECTIONS:
            current = key
        elif ":" in line and not line[0].isdigit() and not line.startswith("-"):
            header[key] = line.split(":", 1)[1].strip()
            current = None
        elif current:
            sections[current].append(line.split())
    name = name or header.get("NAME", "")
    if header.get("EDGE_WEIGHT_TYPE", "EUC_2D") != "EUC_2D":
        raise ValueError(f"only EUC_2D instances are supported, not {header['EDGE_WEIGHT_TYPE']}")
    try:
        dimension = int(header["DIMENSION"])
        capacity = int(header["CAPACITY"])
        coords = {int(r[0]): (float(r[1]), float(r[2])) for r in sections["NODE_COORD_SECTION"]}
        demands = {int(r[0]): int(r[1]) for r in sections["DEMAND_SECTION"]}
        depots = [int(r[0]) for r in sections["DEPOT_SECTION"] if int(r[0]) >= 0]
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"not a CVRPLIB instance (missing or bad {exc})") from None
    if len(depots) != 1:
        raise ValueError(f"exactly one depot is supported, found {len(depots)}")
    if sorted(coords) != list(range(1, dimension + 1)) or sorted(demands) != sorted(coords):
        raise ValueError(f"expected coordinates and demands for nodes 1..{dimension}")
    depot = depots[0]
    order = [depot, *(n for n in sorted(coords) if n != depot)]
    stops = [Stop(str(n), demand=demands[n]) for n in order[1:]]
    if vehicles is None:
        match = re.search(r"-k(\d+)", name)
        total = sum(demands.values())
        vehicles = int(match.group(1)) if match else max(1, math.ceil(total / capacity) if capacity else 1)
    dist = euclidean_matrix([coords[n] for n in order], rounded=True)
    fleet = [Vehicle(f"v{i + 1}", capacity) for i in range(vehicles)]
    horizon = TimeWindow(0.0, sum(map(sum, dist)) + 1.0)
    return Problem(tuple(stops), tuple(fleet), dist, dist, horizon, name)


def read_cvrplib(path: str | Path, *, vehicles: int | None = None) -> Problem:
    """Read a CVRPLIB ``.vrp`` file."""
    path = Path(path)
    return parse_cvrplib(path.read_text(), name=path.stem, vehicles=vehicles)
