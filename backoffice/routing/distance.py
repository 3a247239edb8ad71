"""Distance and travel-time matrices: Euclidean (benchmarks) or haversine times a road factor (the shop)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from backoffice.routing.problem import Matrix, Problem, Stop, TimeWindow, Vehicle

EARTH_RADIUS_KM = 6371.0088
ROAD_FACTOR = 1.3  # road distance / great-circle distance, a usual figure for British towns and suburbs
SPEED_KMH = 30.0  # average van speed in town, stops included in the service time

Point = tuple[float, float]


def euclidean_matrix(points: Sequence[Point], *, rounded: bool = False) -> Matrix:
    """Pairwise Euclidean distances; ``rounded`` applies TSPLIB's nearest-integer rule (CVRPLIB)."""
    rows = []
    for ax, ay in points:
        row = tuple(math.hypot(ax - bx, ay - by) for bx, by in points)
        rows.append(tuple(float(math.floor(d + 0.5)) for d in row) if rounded else row)
    return tuple(rows)


def haversine_km(a: Point, b: Point) -> float:
    """Great-circle distance in km between two ``(latitude, longitude)`` points in degrees."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def road_matrix(points: Sequence[Point], *, road_factor: float = ROAD_FACTOR) -> Matrix:
    """Estimated road distances in km: haversine times ``road_factor`` (>= 1)."""
    if road_factor < 1:
        raise ValueError(f"a road factor below 1 would be shorter than the crow flies: {road_factor}")
    for lat, lon in points:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError(f"not a (latitude, longitude) in degrees: {(lat, lon)}")
    return tuple(tuple(road_factor * haversine_km(a, b) for b in points) for a in points)


def travel_minutes(distances_km: Matrix, *, speed_kmh: float = SPEED_KMH) -> Matrix:
    """Travel times in minutes at a constant ``speed_kmh``."""
    if not speed_kmh > 0:
        raise ValueError(f"speed must be > 0 km/h, got {speed_kmh}")
    return tuple(tuple(60.0 * d / speed_kmh for d in row) for row in distances_km)


def problem_from_coordinates(
    *,
    depot: Point,
    stops: Sequence[tuple[Stop, Point]],
    vehicles: Sequence[Vehicle],
    horizon: TimeWindow,
    road_factor: float = ROAD_FACTOR,
    speed_kmh: float = SPEED_KMH,
    name: str = "",
) -> Problem:
    """The shop's problem from ``(latitude, longitude)``: km by road estimate, minutes at ``speed_kmh``."""
    dist = road_matrix([depot, *(p for _, p in stops)], road_factor=road_factor)
    return Problem(
        tuple(s for s, _ in stops), tuple(vehicles), dist, travel_minutes(dist, speed_kmh=speed_kmh), horizon, name
    )
