"""Inventory settings (prefix ``SHOPDESK_``) and the per-SKU supplier overrides in ``backoffice/kb/suppliers.yml``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from backoffice.config import ROOT


class InventorySettings(BaseSettings):
    """Defaults for every SKU; ``suppliers_file`` may override them per SKU."""

    model_config = SettingsConfigDict(env_prefix="SHOPDESK_", env_file=".env", extra="ignore")

    lead_time_days: int = Field(14, ge=1, description="Days from placing an order to the goods on the shelf")
    service_level: float = Field(0.95, gt=0, lt=1, description="Share of cycles without a stock-out")
    review_days: int = Field(7, ge=1, description="Days until the next chance to order")
    suppliers_file: Path = Field(ROOT / "backoffice" / "kb" / "suppliers.yml", description="Per-SKU overrides")


@dataclass(frozen=True)
class SupplyTerms:
    """What applies to one SKU."""

    lead_time_days: int
    service_level: float
    review_days: int
    pack_size: int = 1
    minimum_order: int = 0
    on_order: int = 0
    supplier: str = ""


def load_terms(settings: InventorySettings) -> tuple[SupplyTerms, dict[str, SupplyTerms]]:
    """The default terms and the per-SKU ones (SKU keys upper-cased)."""
    default = SupplyTerms(settings.lead_time_days, settings.service_level, settings.review_days)
    path = settings.suppliers_file
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    data = data or {}
    suppliers = data.get("suppliers") or {}
    overrides: dict[str, SupplyTerms] = {}
    for sku, values in (data.get("skus") or {}).items():
        values = dict(values or {})
        supplier = str(values.pop("supplier", ""))
        base = {**suppliers.get(supplier, {}), **values}
        overrides[str(sku).upper()] = SupplyTerms(
            lead_time_days=int(base.get("lead_time_days", default.lead_time_days)),
            service_level=float(base.get("service_level", default.service_level)),
            review_days=int(base.get("review_days", default.review_days)),
            pack_size=int(base.get("pack_size", 1)),
            minimum_order=int(base.get("minimum_order", 0)),
            on_order=int(base.get("on_order", 0)),
            supplier=supplier,
        )
    return default, overrides
