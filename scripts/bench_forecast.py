"""Forecast benchmark: the Online Retail weekly protocol and an M4 Weekly backtest, printed as JSON.

Data is read from ``../shared/data/forecasting`` (not shipped; see its README for the protocol and licences):

* Online Retail: weekly (Mon-Sun) units of the 200 SKUs with the largest training volume, weeks 2010-12-06 ...
  2011-12-04; train on the first 44 weeks, forecast the last 8; MASE (scaled by the in-sample one-step naive MAE)
  and RMSSE, against the zero / naive / last-4-weeks mean / all-weeks mean baselines computed in the same run.
  ``--tune`` scores the 8 weeks up to 2011-10-09 instead (for choosing settings without touching the test).
* M4 Weekly: the last 13 weeks of every training series are held out (h = 13); sMAPE, MASE (m = 1) and OWA
  against Naive2 and Theta computed in the same run.
* Timing: seconds per SKU and the wall time of fitting and forecasting 1,000 SKUs with 2 processes.

Usage: ``nice -n 10 .venv/bin/python scripts/bench_forecast.py [--only retail|m4|timing] [--limit N]``;
Online Retail options: ``--tune`` / ``--tune-end DATE``, ``--top-k K``, ``--models median`` (the candidates),
``--margin M`` (how much lower a challenger's backtest error must be to replace ``median``; 0 = plain winner).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backoffice.forecast import Forecaster  # noqa: E402
from backoffice.forecast.baselines import Naive, Theta  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "forecasting"
FIRST_WEEK, LAST_WEEK = pd.Timestamp("2010-12-06"), pd.Timestamp("2011-12-04")


def retail_weekly(path: Path) -> pd.DataFrame:
    """The README's weekly table: every SKU x 52 Monday-labelled weeks, missing weeks 0."""
    raw = pd.read_csv(path, dtype={"InvoiceNo": str, "StockCode": str}, usecols=[
        "InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice"])
    keep = (~raw["InvoiceNo"].str.startswith("C") & (raw["Quantity"] > 0) & (raw["UnitPrice"] > 0)
            & raw["StockCode"].str.fullmatch(r"[0-9]{5}[A-Za-z]{0,2}"))
    lines = raw[keep]
    day = pd.to_datetime(lines["InvoiceDate"]).dt.normalize()
    week = day - pd.to_timedelta(day.dt.weekday, unit="D")
    table = (lines.assign(ds=week).query("@FIRST_WEEK <= ds <= @LAST_WEEK")
             .groupby(["StockCode", "ds"])["Quantity"].sum())
    weeks = pd.date_range(FIRST_WEEK, LAST_WEEK, freq="7D")
    full = table.unstack(fill_value=0).reindex(columns=weeks, fill_value=0)
    tidy = full.stack().rename("y").reset_index()
    return tidy.rename(columns={"StockCode": "unique_id", "level_1": "ds"})[["unique_id", "ds", "y"]]


def scaled_errors(train: np.ndarray, test: np.ndarray, forecast: np.ndarray) -> tuple[float, float]:
    """MASE and RMSSE of one series (one-step naive in-sample scale)."""
    diffs = np.diff(train)
    mae_scale, mse_scale = np.mean(np.abs(diffs)), np.mean(diffs**2)
    return (float(np.mean(np.abs(test - forecast)) / mae_scale),
            float(np.sqrt(np.mean((test - forecast) ** 2) / mse_scale)))


RETAIL_SETTINGS = {"backtest_h": 8, "n_windows": 3, "step": 4, "country": "UK", "subdivision": "ENG"}


def bench_retail(tune: bool, n_jobs: int, top: int = 200, h: int = 8, end: pd.Timestamp | None = None,
                 models: str | None = None, **settings: object) -> dict[str, object]:
    weekly = retail_weekly(DATA / "online_retail" / "online_retail.csv.xz")
    end = end or (pd.Timestamp("2011-10-09") if tune else LAST_WEEK)
    weekly = weekly[weekly["ds"] <= end - pd.Timedelta(days=6)]
    cut = weekly["ds"].max() - pd.Timedelta(days=7 * h)
    train, test = weekly[weekly["ds"] <= cut], weekly[weekly["ds"] > cut]
    skus = train.groupby("unique_id")["y"].sum().nlargest(top).index
    train, test = train[train["unique_id"].isin(skus)], test[test["unique_id"].isin(skus)]
    if models:  # e.g. "median" or "median,historic_average,global"
        settings["models"] = tuple(models.split(","))
    started = time.perf_counter()
    forecaster = Forecaster("W", **{**RETAIL_SETTINGS, **settings}, n_jobs=n_jobs, progress=True)  # type: ignore[arg-type]
    ours = forecaster.fit_predict(train, h)
    seconds = time.perf_counter() - started
    y_train = {u: g["y"].to_numpy() for u, g in train.groupby("unique_id")}
    y_test = {u: g["y"].to_numpy() for u, g in test.groupby("unique_id")}
    y_ours = {u: g["yhat"].to_numpy() for u, g in ours.groupby("unique_id")}
    methods = {
        "zero forecast": lambda t: np.zeros(h),
        "naive (last week)": lambda t: np.full(h, t[-1]),
        "mean of last 4 weeks": lambda t: np.full(h, t[-4:].mean()),
        "mean of all training weeks": lambda t: np.full(h, t.mean()),
    }
    scores: dict[str, dict[str, float]] = {}
    for name, method in methods.items():
        errs = np.array([scaled_errors(y_train[u], y_test[u], method(y_train[u])) for u in skus])
        scores[name] = {"MASE": round(float(errs[:, 0].mean()), 3), "RMSSE": round(float(errs[:, 1].mean()), 3)}
    errs = np.array([scaled_errors(y_train[u], y_test[u], y_ours[u]) for u in skus])
    scores["shopdesk (per-SKU choice)"] = {"MASE": round(float(errs[:, 0].mean()), 3),
                                          "RMSSE": round(float(errs[:, 1].mean()), 3)}
    actual = test.set_index(["unique_id", "ds"])["y"]
    joined = ours.set_index(["unique_id", "ds"]).join(actual)
    coverage = float(((joined["y"] >= joined["yhat_lo"]) & (joined["y"] <= joined["yhat_hi"])).mean())
    return {
        "protocol": "README protocol (last 8 weeks)" if end == LAST_WEEK else f"tuning: 8 weeks up to {end.date()}",
        "series": len(skus), "h": h, "scores": scores,
        "interval_80_coverage": round(coverage, 3),
        "models_chosen": forecaster.selected()["model"].value_counts().to_dict(),
        "seconds": round(seconds, 1), "seconds_per_sku": round(seconds / len(skus), 3), "n_jobs": n_jobs,
    }


def m4_weekly(path: Path, limit: int | None) -> dict[str, np.ndarray]:
    """Series id -> values of the M4 Weekly training file."""
    frame = pd.read_csv(path)
    if limit:
        frame = frame.head(limit)
    return {row[0]: np.asarray(row[1:], dtype=float)[~np.isnan(np.asarray(row[1:], dtype=float))]
            for row in frame.itertuples(index=False)}


def smape(test: np.ndarray, forecast: np.ndarray) -> float:
    return float(np.mean(200 * np.abs(test - forecast) / (np.abs(test) + np.abs(forecast))))


def bench_m4(limit: int | None, n_jobs: int, h: int = 13) -> dict[str, object]:
    series = m4_weekly(DATA / "m4" / "Weekly-train.csv", limit)
    rows = []
    for uid, values in series.items():
        ds = pd.date_range(end="2017-12-25", periods=len(values) - h, freq="7D")  # M4 gives no dates
        rows.append(pd.DataFrame({"unique_id": uid, "ds": ds, "y": values[:-h]}))
    train = pd.concat(rows, ignore_index=True)
    started = time.perf_counter()
    forecaster = Forecaster("W", backtest_h=h, n_windows=2, step=h, country=None, nonnegative=True,
                            n_jobs=n_jobs, progress=True)
    ours = forecaster.fit_predict(train, h)
    seconds = time.perf_counter() - started
    y_ours = {u: g["yhat"].to_numpy() for u, g in ours.groupby("unique_id")}
    forecasts = {
        "Naive2": {u: Naive().fit(v[:-h]).predict(h)[0] for u, v in series.items()},  # weekly: no seasonal test
        "Theta": {u: Theta().fit(v[:-h]).predict(h)[0] for u, v in series.items()},
        "shopdesk (per-series choice)": y_ours,
    }
    raw: dict[str, tuple[float, float]] = {}
    for name, by_series in forecasts.items():
        s = [smape(v[-h:], by_series[u]) for u, v in series.items()]
        m = [float(np.mean(np.abs(v[-h:] - by_series[u])) / np.mean(np.abs(np.diff(v[:-h]))))
             for u, v in series.items()]
        raw[name] = (float(np.mean(s)), float(np.mean(m)))
    base_s, base_m = raw["Naive2"]
    scores = {name: {"sMAPE": round(s, 3), "MASE": round(m, 3), "OWA": round(0.5 * (s / base_s + m / base_m), 3)}
              for name, (s, m) in raw.items()}
    return {
        "protocol": "M4 Weekly training series, last 13 weeks held out", "series": len(series), "h": h,
        "scores": scores, "models_chosen": forecaster.selected()["model"].value_counts().to_dict(),
        "seconds": round(seconds, 1), "seconds_per_series": round(seconds / len(series), 3), "n_jobs": n_jobs,
    }


def bench_timing(n_skus: int, n_jobs: int) -> dict[str, object]:
    """Fit and forecast the ``n_skus`` best-selling Online Retail SKUs (52 weeks), as the nightly job does."""
    weekly = retail_weekly(DATA / "online_retail" / "online_retail.csv.xz")
    skus = weekly.groupby("unique_id")["y"].sum().nlargest(n_skus).index
    table = weekly[weekly["unique_id"].isin(skus)]
    started = time.perf_counter()
    forecaster = Forecaster("W", backtest_h=8, n_windows=3, step=4, country="UK", subdivision="ENG",
                            n_jobs=n_jobs, progress=True)
    forecaster.fit_predict(table, 26)
    seconds = time.perf_counter() - started
    return {"skus": len(skus), "n_jobs": n_jobs, "seconds": round(seconds, 1),
            "seconds_per_sku": round(seconds / len(skus), 3),
            "models_chosen": forecaster.selected()["model"].value_counts().to_dict()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["retail", "m4", "timing"], action="append")
    parser.add_argument("--tune", action="store_true", help="Online Retail: score the earlier tuning cut-off")
    parser.add_argument("--tune-end", type=pd.Timestamp, help="Online Retail: score the 8 weeks up to this Sunday")
    parser.add_argument("--limit", type=int, help="M4: only the first N series (development)")
    parser.add_argument("--timing-skus", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--top-k", type=int, default=1, help="Online Retail: blend the k best backtest models")
    parser.add_argument("--models", help="Online Retail: comma-separated candidates (default: all of them)")
    parser.add_argument("--margin", type=float, help="Online Retail: a challenger must beat `median`'s backtest "
                        "error by this relative margin (default: the library's, 0.4; 0 = plain backtest winner)")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"benchmark data not found at {DATA}", file=sys.stderr)
        return 2
    parts = args.only or ["retail", "m4", "timing"]
    result: dict[str, object] = {}
    if "retail" in parts:
        result["online_retail"] = bench_retail(args.tune, args.jobs, top_k=args.top_k, end=args.tune_end,
                                               models=args.models,
                                               **({} if args.margin is None else {"margin": args.margin}))
    if "m4" in parts:
        result["m4_weekly"] = bench_m4(args.limit, args.jobs)
    if "timing" in parts:
        result["timing"] = bench_timing(args.timing_skus, args.jobs)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
