"""The forecast chart of one SKU as a PNG: sales history, forecast with its 80% band, projected stock."""

from __future__ import annotations

import io
from datetime import date, timedelta

import numpy as np
import pandas as pd

from backoffice.inventory.planning import InventoryPlan, model_name


def render_chart(history: pd.DataFrame, forecast: pd.DataFrame, plan: InventoryPlan | None, title: str,
                 *, today: date, weeks_of_history: int = 52) -> bytes:
    """A PNG (matplotlib, Agg) of weekly units sold, the forecast and interval, and projected stock on hand."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import DateFormatter
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 4.5), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    recent = history.tail(weeks_of_history)
    ax.plot(recent["ds"], recent["y"], color="#1f4e79", marker="o", markersize=3, linewidth=1.5,
            label="units sold per week")
    if not forecast.empty:
        model = str(forecast["model"].iloc[0]) if "model" in forecast else ""
        if not recent.empty:  # join the forecast line to the last actual week
            joined = pd.concat([recent.tail(1).rename(columns={"y": "yhat"}), forecast[["ds", "yhat"]]])
            ax.plot(joined["ds"], joined["yhat"], color="#d9822b", linestyle="--", linewidth=1.8)
        ax.plot(forecast["ds"], forecast["yhat"], color="#d9822b", linestyle="--", linewidth=1.8,
                label=f"forecast: {model_name(model)}" if model else "forecast")
        ax.fill_between(forecast["ds"], forecast["yhat_lo"], forecast["yhat_hi"], color="#d9822b", alpha=0.2,
                        label="80% range")
    ax.set_ylabel("units per week")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.xaxis.set_major_formatter(DateFormatter("%b %Y"))
    handles, labels = ax.get_legend_handles_labels()
    if plan is not None and not forecast.empty:
        stock = ax.twinx()
        first = pd.Timestamp(forecast["ds"].iloc[0])
        days = pd.date_range(first, forecast["ds"].iloc[-1] + timedelta(days=6), freq="D")
        daily = np.repeat(forecast["yhat"].to_numpy() / 7, 7)[: len(days)]
        from_today = days >= pd.Timestamp(today)
        days, daily = days[from_today], daily[from_today]
        level = np.maximum(plan.on_hand - np.cumsum(daily), 0)
        stock.step(days, level, where="post", color="#2e7d32", linewidth=1.5,
                   label=f"projected stock (now {plan.on_hand:,})")
        stock.axhline(plan.reorder_point, color="#c62828", linestyle=":", linewidth=1.2,
                      label=f"reorder point ({round(plan.reorder_point):,})")
        stock.set_ylabel("units in stock")
        stock.set_ylim(bottom=0, top=max(plan.on_hand, plan.reorder_point, 1) * 1.15)
        more_handles, more_labels = stock.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    ax.legend(handles, labels, loc="upper left", fontsize=8, framealpha=0.9)
    ax.set_title(title, fontsize=11, loc="left")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
