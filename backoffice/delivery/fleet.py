"""The shop's delivery fleet from ``backoffice/kb/fleet.yml``: depot, service area, vans, promises, roads."""

from __future__ import annotations

from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, model_validator

from backoffice.routing import haversine_km

FLEET_FILE = Path(__file__).resolve().parent.parent / "kb" / "fleet.yml"


class Depot(BaseModel):
    """Where every van starts and ends its day."""

    name: str = "Depot"
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)

    @property
    def point(self) -> tuple[float, float]:
        return (self.lat, self.lon)


class ServiceArea(BaseModel):
    """The vans deliver within ``radius_km`` of the depot (great-circle distance)."""

    radius_km: float = Field(25.0, gt=0)


class Shift(BaseModel):
    """A van's working day: leave the depot no earlier than ``start``, be back by ``end``."""

    start: time = time(8, 0)
    end: time = time(18, 0)

    @model_validator(mode="after")
    def _ordered(self) -> Shift:
        if self.start >= self.end:
            raise ValueError(f"a shift must start before it ends: {self.start:%H:%M} >= {self.end:%H:%M}")
        return self


class Vans(BaseModel):
    """How many vans, how many parcels each carries, and their shift."""

    count: int = Field(2, ge=1, le=50)
    capacity_parcels: int = Field(40, ge=1)
    shift: Shift = Field(default_factory=Shift)


class Stops(BaseModel):
    """Minutes spent at each door, and how an order's room in the van is counted."""

    service_minutes: float = Field(5.0, ge=0, le=120)
    demand: Literal["parcel", "items"] = "parcel"


class Promise(BaseModel):
    """The delivery window shoppers are told: ``window_minutes`` long, starting on a ``round_to_minutes`` mark."""

    window_minutes: int = Field(60, ge=15, le=240)
    round_to_minutes: int = Field(15, ge=1, le=60)

    @model_validator(mode="after")
    def _window_holds_the_eta(self) -> Promise:
        if self.round_to_minutes * 2 > self.window_minutes:
            raise ValueError("round_to_minutes may be at most half of window_minutes, or the ETA could fall outside")
        return self


class Roads(BaseModel):
    """Road distance = straight line x ``road_factor``; travel time at ``speed_kmh``."""

    road_factor: float = Field(1.4, ge=1.0, le=3.0)
    speed_kmh: float = Field(20.0, gt=0, le=120)


class Planning(BaseModel):
    """How long the solver may search for one day's plan, and how many searches run side by side."""

    time_limit_seconds: float = Field(5.0, gt=0, le=600)
    workers: int = Field(1, ge=1, le=4)


class Fleet(BaseModel):
    """The whole fleet file, validated."""

    depot: Depot
    service_area: ServiceArea = Field(default_factory=ServiceArea)
    vans: Vans = Field(default_factory=Vans)
    stops: Stops = Field(default_factory=Stops)
    promise: Promise = Field(default_factory=Promise)
    roads: Roads = Field(default_factory=Roads)
    planning: Planning = Field(default_factory=Planning)

    @classmethod
    def load(cls, path: Path) -> Fleet:
        """Read and validate the YAML file at ``path``."""
        with path.open(encoding="utf-8") as handle:
            raw: dict[str, Any] = yaml.safe_load(handle) or {}
        return cls.model_validate(raw)

    def in_area(self, point: tuple[float, float]) -> bool:
        """True when ``point`` (lat, lon) lies inside the service area."""
        return self.distance_from_depot(point) <= self.service_area.radius_km

    def distance_from_depot(self, point: tuple[float, float]) -> float:
        """Great-circle km from the depot to ``point``."""
        return haversine_km(self.depot.point, point)

    def van_ids(self) -> list[str]:
        """``van-1`` .. ``van-N``."""
        return [f"van-{i}" for i in range(1, self.vans.count + 1)]


@lru_cache(maxsize=4)
def load_fleet(path: Path = FLEET_FILE) -> Fleet:
    """The fleet at ``path`` (cached per path for the life of the process)."""
    return Fleet.load(path)


def van_name(vehicle_id: str) -> str:
    """``van-2`` -> ``Van 2`` (other ids are shown as they are)."""
    prefix, _, number = vehicle_id.partition("-")
    return f"Van {number}" if prefix == "van" and number.isdigit() else vehicle_id
