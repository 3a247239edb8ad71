"""A day's plan as a map-style PNG: the depot, each van's round in its own colour with the visiting order."""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING

from backoffice.delivery.geo import DISTRICTS
from backoffice.delivery.plan import DeliveryPlan, Point, VanRoute

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22")
KM_PER_DEGREE = 111.32
MAP_RATIO = 0.66  # height / width of the map area once title and legend take their room

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def _bounds(points: list[Point], ratio: float, margin: float = 0.15) -> tuple[float, float, float, float]:
    """(lat_min, lat_max, lon_min, lon_max) around ``points`` with a margin, ``ratio`` high/wide in km, >= 2 km."""
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    lat_c, lon_c = (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2
    km_lon = KM_PER_DEGREE * math.cos(math.radians(lat_c))
    half_h = max((max(lats) - min(lats)) * KM_PER_DEGREE, 2.0) * (0.5 + margin)
    half_w = max((max(lons) - min(lons)) * km_lon, 2.0) * (0.5 + margin)
    half_h, half_w = max(half_h, half_w * ratio), max(half_w, half_h / ratio)
    return (lat_c - half_h / KM_PER_DEGREE, lat_c + half_h / KM_PER_DEGREE, lon_c - half_w / km_lon,
            lon_c + half_w / km_lon)


def _labels(route: VanRoute) -> dict[Point, str]:
    """Each point of the route with the visit numbers made there."""
    labels: dict[Point, list[str]] = {}
    for stop in route.stops:
        labels.setdefault(stop.point, []).append(str(stop.sequence))
    return {point: "/".join(numbers) for point, numbers in labels.items()}


def _scale_km(width_km: float) -> float:
    """A round scale-bar length, about a fifth of the map's width."""
    target = width_km / 5
    return max((s for s in (0.5, 1, 2, 5, 10, 20, 50) if s <= target), default=0.5)


def plan_map(plan: DeliveryPlan, *, width_px: int = 900) -> bytes:
    """A PNG (matplotlib, Agg) of the plan, ``width_px`` wide, with a legend of each van's stops and km."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    dpi = 100
    fig = Figure(figsize=(width_px / dpi, width_px * 0.78 / dpi), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_facecolor("#f4f1ea")
    points = [plan.depot, *(s.point for s in plan.stops), *(u.point for u in plan.unserved if u.point)]
    lat0, lat1, lon0, lon1 = _bounds(points, MAP_RATIO)
    # Context: the postcode districts on the map, faint, as a street map would name its neighbourhoods.
    for district, (_, lat, lon) in DISTRICTS.items():
        if lat0 < lat < lat1 and lon0 < lon < lon1:
            ax.text(lon, lat, district, color="#b5ad9c", fontsize=9, ha="center", va="center", zorder=1)
    handles = []
    for index, route in enumerate(r for r in plan.routes if r.stops):
        colour = COLOURS[index % len(COLOURS)]
        path = [plan.depot, *(s.point for s in route.stops), plan.depot]
        ax.plot([p[1] for p in path], [p[0] for p in path], color=colour, linewidth=2.2, alpha=0.85, zorder=2)
        for point, numbers in _labels(route).items():  # one marker per door, "7/8" when two orders share it
            ax.plot(point[1], point[0], "o", markersize=15 + 5 * (len(numbers) - 1), color=colour,
                    markeredgecolor="white", markeredgewidth=1.2, zorder=3)
            ax.text(point[1], point[0], numbers, color="white", fontsize=8, fontweight="bold", ha="center",
                    va="center", zorder=4)
        count = len(route.stops)
        label = (f"{route.name}: {count} stop{'s' if count != 1 else ''}, {route.distance_km:.1f} km, "
                 f"{route.depart:%H:%M}–{route.back:%H:%M}")
        handles.append(Line2D([], [], color=colour, linewidth=2.5, marker="o", markersize=8, label=label))
    placed_off = [u for u in plan.unserved if u.point]
    if placed_off:
        ax.plot([u.point[1] for u in placed_off if u.point], [u.point[0] for u in placed_off if u.point], "X",
                markersize=11, color="#555555", zorder=3)
    if plan.unserved:
        handles.append(Line2D([], [], color="#555555", marker="X", linestyle="none", markersize=9,
                              label=f"not on a van: {len(plan.unserved)}"))
    ax.plot(plan.depot[1], plan.depot[0], "s", markersize=14, color="black", zorder=5)
    ax.annotate(plan.depot_name, (plan.depot[1], plan.depot[0]), xytext=(0, -20), textcoords="offset points",
                fontsize=9, ha="center", zorder=5, bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none",
                                                         "alpha": 0.8})
    handles.insert(0, Line2D([], [], color="black", marker="s", linestyle="none", markersize=9, label="depot"))
    _scale_bar(ax, lat0, lat1, lon0, lon1)
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    ax.set_aspect(1 / math.cos(math.radians((lat0 + lat1) / 2)))  # a km north is as long as a km east
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"Deliveries on {plan.day:%A} {plan.day.day} {plan.day:%B %Y}: {len(plan.stops)} stops, "
                 f"{plan.distance_km:.1f} km", fontsize=12)
    fig.legend(handles=handles, loc="outside lower center", ncols=2 if len(handles) > 3 else len(handles),
               fontsize=10, frameon=False)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _scale_bar(ax: Axes, lat0: float, lat1: float, lon0: float, lon1: float) -> None:
    """A black bar of a round number of km in the lower right corner."""
    lat = lat0 + (lat1 - lat0) * 0.04
    km_per_lon = KM_PER_DEGREE * math.cos(math.radians(lat))
    length = _scale_km((lon1 - lon0) * km_per_lon)
    end = lon1 - (lon1 - lon0) * 0.04
    start = end - length / km_per_lon
    ax.plot([start, end], [lat, lat], color="black", linewidth=3, zorder=5)
    ax.text((start + end) / 2, lat, f"{length:g} km", ha="center", va="bottom", fontsize=9, zorder=5,
            bbox={"boxstyle": "square,pad=0.1", "fc": "#f4f1ea", "ec": "none"})
