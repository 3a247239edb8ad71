"""Fraud benchmark (``make bench-fraud``): the Fraud Detection Handbook protocol, a time split of ULB, latency.

1. handbook_simulated: train 2018-07-25..31, 7-day delay, test 2018-08-08..14 (known compromised cards
   dropped), features computed with the 7-day label delay. ROC-AUC, average precision and Card Precision@100
   for our model and a logistic-regression baseline on the handbook's 15 features, next to the published table.
2. ULB credit-card subset: time-ordered split (Time < 120000 trains), AUPRC with a bootstrap 95% interval.
3. Latency: per-order in-process scoring against the incremental rolling state (p50/p99 wall clock, with and
   without the plain-word reasons; also the scoring thread's own CPU time, which leaves out the waits while
   other jobs on a shared machine hold the cores, and the load average during the run), and batch scoring of
   100,000 transactions as ``python -m backoffice.fraud score`` does.

Prints one JSON object. The data is read from ``../shared/data/fraud`` (never copied into the repo).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backoffice.fraud.features import FeatureSpec, build_features  # noqa: E402
from backoffice.fraud.metrics import card_precision_at_k, handbook_split  # noqa: E402
from backoffice.fraud.model import FraudModel  # noqa: E402
from backoffice.fraud.pipeline import Bundle, OnlineScorer, score_frame  # noqa: E402
from backoffice.fraud.state import RollingState  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "fraud"
HANDBOOK = "handbook_simulated/transactions_2018-06-15_to_2018-08-14.csv.xz"
ULB = "ulb_creditcard/creditcard_rows_mod3_eq0.csv.xz"
PUBLISHED = {  # Handbook chapter 3, test week: ROC-AUC, AP, CP@100
    "logistic_regression": [0.871, 0.606, 0.291], "decision_tree_depth_2": [0.763, 0.496, 0.241],
    "decision_tree_unlimited": [0.788, 0.309, 0.243], "random_forest": [0.867, 0.658, 0.287],
    "xgboost": [0.862, 0.639, 0.273],
}
HANDBOOK_FEATURES = ["TX_AMOUNT", "TX_DURING_WEEKEND", "TX_DURING_NIGHT"] + [
    f"CUSTOMER_ID_{k}_{w}DAY_WINDOW" for w in (1, 7, 30) for k in ("NB_TX", "AVG_AMOUNT")] + [
    f"TERMINAL_ID_{k}_{w}DAY_WINDOW" for w in (1, 7, 30) for k in ("NB_TX", "RISK")]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def scores(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    return {"roc_auc": round(float(roc_auc_score(y, p)), 4), "average_precision": round(float(
        average_precision_score(y, p)), 4)}


def handbook(data: Path, params: dict[str, Any], latency_orders: int, batch_rows: int) -> dict[str, Any]:
    started = time.perf_counter()
    frame = pd.read_csv(data / HANDBOOK)
    spec = FeatureSpec()
    features = build_features(frame, spec)
    feature_seconds = time.perf_counter() - started
    train, test = handbook_split(frame, datetime(2018, 7, 25))
    y = frame["TX_FRAUD"].to_numpy()
    log(f"handbook: {len(train)} train / {len(test)} test transactions; features in {feature_seconds:.1f} s")
    fit_started = time.perf_counter()
    model = FraudModel(**params).fit(features.loc[train], y[train])
    fit_seconds = time.perf_counter() - fit_started
    ours = model.predict_proba(features.loc[test])[:, 1]
    baseline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(
        features.loc[train, HANDBOOK_FEATURES], y[train]).predict_proba(features.loc[test, HANDBOOK_FEATURES])[:, 1]
    rows = {}
    for name, p in (("ours", ours), ("logistic_regression_baseline", baseline)):
        rows[name] = {**scores(y[test], p), "card_precision_at_100": round(card_precision_at_k(
            frame.loc[test], p, 100), 4)}
    out: dict[str, Any] = {
        "train_transactions": len(train), "train_frauds": int(y[train].sum()), "test_transactions": len(test),
        "test_frauds": int(y[test].sum()), "fit_seconds": round(fit_seconds, 1), "results": rows,
        "published": {k: dict(zip(["roc_auc", "average_precision", "card_precision_at_100"], v, strict=True))
                      for k, v in PUBLISHED.items()},
    }
    bundle = Bundle(model, spec, threshold=0.5, reviews_per_day=100.0)
    out["latency"] = latency(frame, bundle, test, latency_orders)
    out["batch"] = batch(frame, bundle, batch_rows)
    return out


def latency(frame: pd.DataFrame, bundle: Bundle, test: pd.Index, n: int) -> dict[str, Any]:
    """Per-order in-process scoring: the state holds every transaction before the test week's first."""
    first = frame.loc[test].index.min()
    history = frame.loc[: first - 1]
    history = history[pd.to_datetime(history["TX_DATETIME"]) >= pd.to_datetime(history["TX_DATETIME"]).max()
                      - pd.Timedelta(days=45)]
    built = time.perf_counter()
    scorer = OnlineScorer(bundle, RollingState.from_frame(history, bundle.spec))
    gc.freeze()  # as the shop does: the collector does not walk the long-lived state on every order
    build_seconds = time.perf_counter() - built
    stream = frame.loc[first:].head(n).drop(columns=["TX_FRAUD", "TX_FRAUD_SCENARIO"]).to_dict("records")
    plain, explained, cpu = [], [], []
    load_before = os.getloadavg()[0]
    for tx in tqdm(stream, desc="latency", unit="order", file=sys.stderr):
        c0, t0 = time.thread_time(), time.perf_counter()
        scorer.score(tx, explain=False)
        t1, c1 = time.perf_counter(), time.thread_time()
        scorer.score(tx, explain=True)
        t2 = time.perf_counter()
        scorer.observe(tx)
        plain.append(t1 - t0)
        cpu.append(c1 - c0)
        explained.append(t2 - t1)

    def ms(values: list[float], q: float) -> float:
        return round(float(np.percentile(values, q)) * 1000, 3)

    return {"orders": len(stream), "state_from_transactions": len(history),
            "state_build_seconds": round(build_seconds, 1),
            "load_average": round((load_before + os.getloadavg()[0]) / 2, 1),
            "score_ms_p50": ms(plain, 50), "score_ms_p99": ms(plain, 99),
            "score_cpu_ms_p50": ms(cpu, 50), "score_cpu_ms_p99": ms(cpu, 99),
            "score_with_reasons_ms_p50": ms(explained, 50), "score_with_reasons_ms_p99": ms(explained, 99)}


def batch(frame: pd.DataFrame, bundle: Bundle, rows: int) -> dict[str, Any]:
    """``score`` on the last ``rows`` transactions with the 40 days before them as history."""
    new = frame.tail(rows)
    start = pd.to_datetime(new["TX_DATETIME"]).min()
    stamps = pd.to_datetime(frame["TX_DATETIME"])
    history = frame[(stamps < start) & (stamps >= start - pd.Timedelta(days=40))]
    t0 = time.perf_counter()
    score_frame(bundle, history, new.drop(columns=["TX_FRAUD", "TX_FRAUD_SCENARIO"]))
    return {"transactions": len(new), "history": len(history), "seconds": round(time.perf_counter() - t0, 1)}


def ulb(data: Path, params: dict[str, Any], resamples: int) -> dict[str, Any]:
    frame = pd.read_csv(data / ULB)
    frame["Class"] = frame["Class"].astype(str).str.strip('"').astype(int)
    features = frame.drop(columns=["Class"]).assign(Hour=(frame["Time"] % 86400) // 3600).drop(columns=["Time"])
    train = frame["Time"] < 120000
    y = frame["Class"].to_numpy()
    model = FraudModel(**params).fit(features[train], y[train])
    p = model.predict_proba(features[~train])[:, 1]
    yt = y[~train]
    rng = np.random.default_rng(0)
    boot = []
    for _ in range(resamples):
        idx = rng.integers(0, len(yt), len(yt))
        if yt[idx].sum() > 0:
            boot.append(average_precision_score(yt[idx], p[idx]))
    top = np.argsort(-p)[:100]
    return {"train_transactions": int(train.sum()), "train_frauds": int(y[train].sum()),
            "test_transactions": int((~train).sum()), "test_frauds": int(yt.sum()), **scores(yt, p),
            "average_precision_95ci": [round(float(np.percentile(boot, 2.5)), 4),
                                       round(float(np.percentile(boot, 97.5)), 4)],
            "recall_at_100_alerts": round(float(yt[top].sum() / max(yt.sum(), 1)), 4)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--latency-orders", type=int, default=3000)
    parser.add_argument("--batch-rows", type=int, default=100_000)
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--skip-ulb", action="store_true")
    args = parser.parse_args()
    if not (args.data / HANDBOOK).is_file():
        print(f"error: no handbook data under {args.data} (see ../shared/data/fraud/README.md)", file=sys.stderr)
        return 2
    params: dict[str, Any] = {"random_state": 0}
    result: dict[str, Any] = {"model": {"class": "FraudModel", **FraudModel(**params).get_params()}}
    result["handbook"] = handbook(args.data, params, args.latency_orders, args.batch_rows)
    if not args.skip_ulb:
        log("ulb: time-ordered split")
        result["ulb"] = ulb(args.data, params, args.bootstrap)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
