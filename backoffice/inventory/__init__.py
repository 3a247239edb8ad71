"""Inventory decisions from the demand forecasts: safety stock, reorder point, stock-outs, order quantities.

The functions the chat actions call; each returns small dataclasses that carry a one-sentence explanation.
All read the forecasts persisted by ``make forecast`` (``backoffice.forecast.store.ForecastStore``) and the stock
on hand from the store database. The formulas are documented in ``backoffice.inventory.formulas``.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy.orm import Session

from backoffice.forecast.store import ForecastStore
from backoffice.inventory.planning import (
    InventoryPlan,
    Planner,
    ReorderSuggestion,
    StockoutRisk,
    UnitsForecast,
)

__all__ = [
    "InventoryPlan",
    "Planner",
    "ReorderSuggestion",
    "StockoutRisk",
    "UnitsForecast",
    "forecast_chart",
    "forecast_units",
    "inventory_plan",
    "reorder_suggestions",
    "stockout_risks",
]


def forecast_units(session: Session, sku: str, weeks: int = 4, *, store: ForecastStore | None = None,
                   today: date | None = None) -> UnitsForecast | None:
    """How many units of ``sku`` we expect to sell in the next ``weeks`` weeks (None: no forecast for it)."""
    return Planner(session, store, today=today).units(sku, weeks)


def inventory_plan(session: Session, sku: str, *, store: ForecastStore | None = None,
                   today: date | None = None) -> InventoryPlan | None:
    """Safety stock, reorder point, projected stock-out and suggested order of one SKU."""
    return Planner(session, store, today=today).plan(sku)


def stockout_risks(session: Session, days: int = 14, *, store: ForecastStore | None = None,
                   today: date | None = None) -> list[StockoutRisk]:
    """What will run out in the next ``days`` days, soonest first."""
    return Planner(session, store, today=today).stockout_risks(days)


def reorder_suggestions(session: Session, today: date | None = None, *,
                        store: ForecastStore | None = None) -> list[ReorderSuggestion]:
    """What to reorder today and how much, the soonest to run out first."""
    return Planner(session, store, today=today).reorder_suggestions()


def forecast_chart(session: Session, sku: str, *, store: ForecastStore | None = None,
                   today: date | None = None, weeks: int = 26) -> bytes | None:
    """PNG chart of ``sku``: weekly sales, the next ``weeks`` weeks' forecast with its 80% band, projected stock."""
    from backoffice.inventory.chart import render_chart

    planner = Planner(session, store, today=today)
    forecast = planner.store.forecast(sku)
    if forecast.empty:
        return None
    code = str(forecast["unique_id"].iloc[0])
    plan = planner.plan(code)
    title = f"{plan.title} ({code})" if plan else code
    upcoming = forecast[forecast["ds"] + pd.Timedelta(days=6) >= pd.Timestamp(planner.today)].head(weeks)
    return render_chart(planner.store.history(code), upcoming, plan, f"{title}: weekly sales and forecast",
                        today=planner.today)
