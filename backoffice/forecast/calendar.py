"""Holidays of the shop's country and the shop's own promotion calendar, as a Prophet ``holidays`` table."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

EVENT_COLUMNS = ["holiday", "ds", "lower_window", "upper_window"]


def quiet_prophet_logs() -> None:
    """Prophet and cmdstanpy log every fit at INFO (and plotly's absence as an error); keep only warnings."""
    logging.getLogger("prophet.plot").setLevel(logging.CRITICAL)
    logging.getLogger("prophet").setLevel(logging.WARNING)
    from cmdstanpy.utils import get_logger

    get_logger().setLevel(logging.WARNING)  # after get_logger(), which sets DEBUG on its first call


def country_holidays(years: Iterable[int], country: str, subdivision: str | None = None) -> pd.DataFrame:
    """Public holidays of ``country`` (e.g. ``UK``, subdivision ``ENG``) in ``years``."""
    quiet_prophet_logs()
    from prophet.make_holidays import make_holidays_df

    table = make_holidays_df(year_list=sorted(set(years)), country=country, province=subdivision)
    table = table.assign(lower_window=0, upper_window=0)
    return table[EVENT_COLUMNS].reset_index(drop=True)


def load_promotions(path: Path) -> pd.DataFrame:
    """The promotion calendar in ``path`` (YAML: ``promotions: [{name, dates, days_before, days_after}]``)."""
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    rows = []
    for promo in data.get("promotions") or []:
        for day in promo.get("dates") or []:
            rows.append({
                "holiday": str(promo["name"]),
                "ds": pd.Timestamp(day if isinstance(day, date) else str(day)),
                "lower_window": -int(promo.get("days_before", 0)),
                "upper_window": int(promo.get("days_after", 0)),
            })
    return pd.DataFrame(rows, columns=EVENT_COLUMNS)


def shop_events(
    years: Iterable[int], country: str | None, subdivision: str | None, promotions: Path | None
) -> pd.DataFrame:
    """Country holidays (all named ``public_holiday``) and the shop's promotions, daily dates."""
    parts = []
    if country:
        parts.append(country_holidays(years, country, subdivision).assign(holiday="public_holiday"))
    if promotions is not None and promotions.exists():
        parts.append(load_promotions(promotions))
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=EVENT_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def snap_to_periods(events: pd.DataFrame, period_days: int, anchor: pd.Timestamp) -> pd.DataFrame:
    """Move events onto the periods of a series whose ``ds`` marks each period's first day.

    Daily series keep the events as they are. For longer periods every day an event covers (its date plus its
    window) is mapped to the period containing it, so a holiday on a Wednesday counts for that week.
    """
    if events.empty or period_days == 1:
        return events
    rows = []
    for event in events.itertuples(index=False):
        for offset in range(int(event.lower_window), int(event.upper_window) + 1):
            day = pd.Timestamp(event.ds) + pd.Timedelta(days=offset)
            start = anchor + pd.Timedelta(days=((day - anchor).days // period_days) * period_days)
            rows.append((event.holiday, start))
    snapped = pd.DataFrame(rows, columns=["holiday", "ds"]).drop_duplicates()
    return snapped.assign(lower_window=0, upper_window=0)[EVENT_COLUMNS].reset_index(drop=True)
