"""Command line: ``batch`` forecasts a CSV, ``refresh`` refits every SKU from the store (``make forecast``)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from backoffice.forecast.candidates import DEFAULT_MODELS
from backoffice.forecast.core import Forecaster


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m backoffice.forecast", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    batch = sub.add_parser("batch", help="forecast every series of a CSV (unique_id, ds, y)")
    batch.add_argument("--input", type=Path, required=True, help="CSV with columns unique_id, ds, y")
    batch.add_argument("--horizon", type=int, required=True, help="periods to forecast after each series' end")
    batch.add_argument("--freq", choices=["W", "D"], default="W", help="W: ds is the first day of each week")
    batch.add_argument("--out", type=Path, required=True, help="CSV: unique_id, ds, yhat, yhat_lo, yhat_hi")
    batch.add_argument("--level", type=float, default=80, help="interval width in percent (default 80)")
    batch.add_argument("--models", default=",".join(DEFAULT_MODELS), help="comma-separated candidates")
    batch.add_argument("--windows", type=int, default=3, help="backtest windows for the model choice")
    batch.add_argument("--country", default="UK", help="public holidays for Prophet ('' for none)")
    batch.add_argument("--promotions", type=Path, help="promotion calendar YAML")
    batch.add_argument("--jobs", type=int, default=2, help="parallel processes")
    batch.add_argument("--with-model", action="store_true", help="add a column naming each series' model")
    refresh = sub.add_parser("refresh", help="refit every SKU from the store's sales and persist the forecasts")
    refresh.add_argument("--today", type=date.fromisoformat, help="pretend today is this date (YYYY-MM-DD)")
    refresh.add_argument("--weeks", type=int, help="only the last N weeks of history")
    refresh.add_argument("--skus", type=int, help="only the N best-selling SKUs")
    refresh.add_argument("--jobs", type=int, help="parallel processes (default SHOPDESK_FORECAST_JOBS)")
    return parser


def batch(args: argparse.Namespace) -> int:
    table = pd.read_csv(args.input, dtype={"unique_id": str})
    forecaster = Forecaster(
        args.freq, models=[m.strip() for m in args.models.split(",") if m.strip()],
        backtest_h=args.horizon, n_windows=args.windows, country=args.country or None,
        promotions=args.promotions, n_jobs=args.jobs, progress=sys.stderr.isatty(),
    )
    result = forecaster.fit_predict(table, args.horizon, level=[args.level])
    columns = ["unique_id", "ds", "yhat", "yhat_lo", "yhat_hi"] + (["model"] if args.with_model else [])
    result["ds"] = result["ds"].dt.strftime("%Y-%m-%d")
    result[columns].to_csv(args.out, index=False, float_format="%.4f")
    print(f"{result['unique_id'].nunique()} series, {len(result)} rows -> {args.out}", file=sys.stderr)
    return 0


def refresh(args: argparse.Namespace) -> int:
    from backoffice.db import session_scope
    from backoffice.forecast.demand import weekly_demand
    from backoffice.forecast.settings import ForecastSettings
    from backoffice.forecast.store import ForecastStore

    settings = ForecastSettings()
    today = args.today or datetime.now(UTC).date()
    with session_scope() as session:
        history = weekly_demand(session, today, weeks=args.weeks)
    if history.empty:
        print("no sales in the store: nothing to forecast", file=sys.stderr)
        return 1
    if args.skus:
        top = history.groupby("unique_id")["y"].sum().nlargest(args.skus).index
        history = history[history["unique_id"].isin(top)]
    started = time.perf_counter()
    forecaster = Forecaster(
        "W", backtest_h=4, n_windows=3, country=settings.forecast_country,
        subdivision=settings.forecast_subdivision, promotions=settings.promotions_file,
        n_jobs=args.jobs or settings.forecast_jobs, progress=sys.stderr.isatty(),
    )
    forecast = forecaster.fit_predict(history, settings.forecast_horizon_weeks)
    store = ForecastStore(settings.forecast_dir)
    store.save(forecaster, history, forecast, made_at=datetime.now(UTC),
               extra={"today": today.isoformat(), "horizon_weeks": settings.forecast_horizon_weeks})
    chosen = forecaster.selected()["model"].value_counts().to_dict()
    print(f"{len(forecaster.fits_)} SKUs forecast {settings.forecast_horizon_weeks} weeks ahead in "
          f"{time.perf_counter() - started:.0f} s -> {settings.forecast_dir} (models: {chosen})", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return batch(args) if args.command == "batch" else refresh(args)


if __name__ == "__main__":
    raise SystemExit(main())
