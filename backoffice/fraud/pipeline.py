"""Train, save, load and score: the feature spec, the model and the alert-budget threshold travel together."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from backoffice.fraud.features import LABEL, TIME, TX_ID, FeatureSpec, build_features, check_columns
from backoffice.fraud.model import FraudModel
from backoffice.fraud.reasons import reasons
from backoffice.fraud.state import RollingState
from backoffice.fraud.threshold import threshold_for_budget

ANOMALY_SHARE = 0.2  # of the alert budget, for orders the anomaly forest finds unusual
ANOMALY_MIN_PROBABILITY = 0.25  # of the threshold: an anomaly alarm also needs some supervised suspicion


@dataclass(frozen=True)
class Verdict:
    """One scored order: calibrated probability, anomaly, reasons in words, and whether to hold it."""

    probability: float
    anomaly: float
    reasons: list[str]
    hold: bool


@dataclass
class Bundle:
    """A trained model with the spec it was trained on and its decision threshold."""

    model: FraudModel
    spec: FeatureSpec
    threshold: float
    reviews_per_day: float
    info: dict[str, Any] = field(default_factory=dict)
    anomaly_threshold: float | None = None

    def save(self, path: Path) -> None:
        """Write the bundle with joblib."""
        self.model.save(Path(path), spec=self.spec, threshold=self.threshold, reviews_per_day=self.reviews_per_day,
                        info=self.info, anomaly_threshold=self.anomaly_threshold)

    def judge(self, row: np.ndarray, *, placed_at: datetime | None = None, explain: bool = True) -> Verdict:
        """Probability, anomaly, reasons and the hold decision for one feature row.

        An order is held when its probability reaches ``threshold``, or when its anomaly score reaches
        ``anomaly_threshold`` (an unlabelled pattern: the anomaly gets its own share of the alert budget) and
        the model finds it at least somewhat suspicious too (a quarter of the threshold): a very regular
        customer's orders are unusual but not suspicious.
        """
        data = np.asarray(row, dtype=float).reshape(1, -1)
        model = self.model
        probability = float(model.proba_from_inputs(model._inputs(data))[0, 1])  # noqa: SLF001
        anomaly = float(model.anomaly_score(data)[0]) if model.forest_ is not None else 0.0
        unusual = (self.anomaly_threshold is not None and anomaly >= self.anomaly_threshold
                   and probability >= self.threshold * ANOMALY_MIN_PROBABILITY)
        words = reasons(model, self.spec, data[0], placed_at=placed_at) if explain else []
        if unusual and explain:
            words = [f"an unusual combination of order details (anomaly score {anomaly:.2f}, rarer than "
                     "almost every order seen)", *words][:3]
        return Verdict(probability, anomaly, words, probability >= self.threshold or unusual)

    @classmethod
    def load(cls, path: Path) -> Bundle:
        """Read a bundle written by ``save`` (ValueError if there is none)."""
        model, extra = FraudModel.load(Path(path))
        anomaly = extra.get("anomaly_threshold")
        return cls(model, extra["spec"], float(extra["threshold"]), float(extra["reviews_per_day"]),
                   dict(extra.get("info", {})), None if anomaly is None else float(anomaly))


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    stamps = pd.to_datetime(frame[TIME])
    return frame.assign(_t=stamps).sort_values(["_t", TX_ID], kind="stable").drop(columns="_t").reset_index(drop=True)


def train(transactions: pd.DataFrame, spec: FeatureSpec, *, reviews_per_day: float,
          params: dict[str, Any] | None = None, progress: bool = False) -> Bundle:
    """Fit a bundle on ``transactions``.

    Rows without a label (NaN) give context to the rolling windows but are not trained on. The threshold
    keeps the later held-out slice of the training rows within ``reviews_per_day`` alerts a day on average.
    """
    check_columns(transactions, spec)
    if LABEL not in transactions.columns or transactions[LABEL].notna().sum() == 0:
        raise ValueError(f"training needs a {LABEL} column with labels")
    steps = tqdm(total=3, desc="fraud model", disable=not progress, unit="step")
    frame = _sorted(transactions)
    features = build_features(frame, spec)
    labelled = frame[LABEL].notna().to_numpy()
    frame, features = frame[labelled].reset_index(drop=True), features[labelled].reset_index(drop=True)
    steps.update()
    model = FraudModel(**(params or {})).fit(features, frame[LABEL].astype(int))
    steps.update()
    cut = int(round(len(frame) * (1.0 - model.holdout)))
    days = pd.to_datetime(frame[TIME].iloc[cut:]).dt.date.to_numpy()

    def budget(values: np.ndarray, share: float) -> float:
        return threshold_for_budget(pd.Series(values).groupby(days).apply(list).to_dict(), reviews_per_day * share)

    later = features.iloc[cut:]
    anomaly_threshold = None
    share = 1.0
    if model.forest_ is not None and not model.anomaly_as_feature:
        share -= ANOMALY_SHARE
        anomaly_threshold = budget(model.anomaly_score(later), ANOMALY_SHARE)
    threshold = budget(model.predict_proba(later)[:, 1], share)
    steps.update()
    steps.close()
    info = {"rows": len(frame), "frauds": int(frame[LABEL].sum()), "first": str(frame[TIME].iloc[0]),
            "last": str(frame[TIME].iloc[-1])}
    return Bundle(model, spec, threshold, reviews_per_day, info, anomaly_threshold)


def score_frame(bundle: Bundle, history: pd.DataFrame | None, transactions: pd.DataFrame) -> np.ndarray:
    """Probabilities for the rows of ``transactions`` (in their order), with ``history`` as earlier context.

    ``history`` labels count after the delay only; ``transactions`` carry no labels.
    """
    spec = bundle.spec
    check_columns(transactions, spec)
    new = transactions.drop(columns=[LABEL], errors="ignore").assign(_new=np.arange(len(transactions)))
    parts = [new]
    if history is not None and len(history):
        check_columns(history, spec)
        parts.insert(0, history.assign(_new=-1))
    combined = _sorted(pd.concat(parts, ignore_index=True))
    features = build_features(combined, spec)
    mask = combined["_new"].to_numpy() >= 0
    scores = np.empty(len(transactions))
    scores[combined.loc[mask, "_new"].to_numpy()] = bundle.model.predict_proba(features[mask])[:, 1]
    return scores


def score_labelled(bundle: Bundle, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities and feature rows for every row of ``frame`` (its order), each as of its own time.

    ``TX_FRAUD`` holds the labels as they will be known; a row's risk windows only see labels older than the
    delay, so no row learns from a label that was not known when it was placed.
    """
    order = np.argsort(pd.to_datetime(frame[TIME]).to_numpy(), kind="stable")
    features = build_features(frame.iloc[order], bundle.spec).to_numpy()
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    features = features[back]
    return bundle.model.predict_proba(features)[:, 1], features


class OnlineScorer:
    """Per-order scoring against an in-memory ``RollingState`` (score, then ``observe``)."""

    def __init__(self, bundle: Bundle, state: RollingState | None = None) -> None:
        self.bundle = bundle
        self.state = state or RollingState(bundle.spec)

    def features(self, tx: dict[str, Any]) -> np.ndarray:
        return self.state.features(tx)

    def score(self, tx: dict[str, Any], *, explain: bool = True) -> Verdict:
        """Score ``tx`` as the newest order (it is not added to the state: call ``observe``)."""
        row = self.state.features(tx)
        placed_at = pd.Timestamp(tx[TIME]).to_pydatetime() if explain else None
        return self.bundle.judge(row, placed_at=placed_at, explain=explain)

    def observe(self, tx: dict[str, Any], label: float | None = None) -> None:
        self.state.observe(tx, label)
