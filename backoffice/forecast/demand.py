"""The store's weekly demand per SKU, read from the order lines."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import Order, OrderLine, OrderStatus, Product


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def weekly_demand(session: Session, today: date, *, weeks: int | None = None) -> pd.DataFrame:
    """Units ordered per SKU and week (Monday-labelled), complete weeks before ``today`` only.

    Cancelled orders do not count. Each SKU's series runs from its first week with a sale to the last complete
    week, weeks without sales are 0. ``weeks`` keeps only that many most recent weeks.
    """
    last_week = week_start(today) - timedelta(days=7)
    since = last_week - timedelta(days=7 * (weeks - 1)) if weeks else date.min
    query = (
        select(Product.sku, Order.placed_at, OrderLine.quantity)
        .join(OrderLine.order)
        .join(OrderLine.product)
        .where(Order.status != OrderStatus.CANCELLED, Order.placed_at < week_start(today))
    )
    lines = pd.DataFrame(session.execute(query).all(), columns=["unique_id", "placed_at", "y"])
    if lines.empty:
        return pd.DataFrame(columns=["unique_id", "ds", "y"])
    day = pd.to_datetime(lines["placed_at"]).dt.normalize()
    lines["ds"] = day - pd.to_timedelta(day.dt.weekday, unit="D")
    lines = lines[lines["ds"] >= pd.Timestamp(since)] if weeks else lines
    totals = lines.groupby(["unique_id", "ds"])["y"].sum().unstack(fill_value=0)
    grid = pd.date_range(totals.columns.min(), pd.Timestamp(last_week), freq="7D")
    wide = totals.reindex(columns=grid, fill_value=0)
    started = (wide > 0).cumsum(axis=1) > 0  # from each SKU's first week with a sale
    table = wide.where(started).stack().dropna().rename("y").reset_index()
    table.columns = ["unique_id", "ds", "y"]
    return table.astype({"y": float}).sort_values(["unique_id", "ds"], ignore_index=True)
