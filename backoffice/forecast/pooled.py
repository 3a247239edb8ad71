"""One gradient-boosted model pooled across every series of a run (a "global" model).

Each series is put on its own scale (the mean of its history, so the model learns shapes, not sizes): the
features are the last weeks and the recent means divided by that scale, the share of recent weeks with sales,
the history's length and the horizon. The target is the value ``k`` periods ahead on the same scale, fitted with
absolute loss and weighted by scale / (the series' one-step naive error), so the loss is close to the MASE that
the shop cares about. One model serves every horizon (direct forecasts); beyond the longest horizon it was
trained on the forecast stays flat.

The per-series backtest must never see the future, so :func:`pooled_paths` trains one model per backtest origin,
each on every series cut ``drop`` periods before its end, and returns each series' forecast path per history
length. The paths are then an ordinary candidate (:class:`PooledCandidate`) in the per-series choice, and only
the final path is persisted (plain JSON, no pickle).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: The shortest history a forecast origin needs, for training rows and for forecasting.
MIN_HISTORY = 6
#: Fewer training rows than this and no pooled model is fitted.
MIN_ROWS = 200
#: Training rows are subsampled (with a fixed seed) above this many, to keep large shops fast.
MAX_ROWS = 400_000
TARGET_CAP = 30.0  # a week over 30x the series' mean is treated as 30x (one-off bulk orders)
WEIGHT_CAP = 10.0
MAX_ITER = 100  # boosting rounds (learning rate 0.05)


def _origin_features(y: np.ndarray, origins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Features (one row per origin ``t``, using ``y[:t]`` only) and the scale of each origin."""
    y = np.asarray(y, dtype=float)
    csum = np.concatenate([[0.0], np.cumsum(y)])
    nz = np.concatenate([[0.0], np.cumsum(y > 0)])
    t = origins.astype(int)
    scale = csum[t] / t
    safe = np.where(scale > 0, scale, 1.0)
    columns = [y[t - lag] / safe for lag in (1, 2, 3, 4)]
    for w in (4, 8, 13, 26):
        lo = np.maximum(t - w, 0)
        columns.append((csum[t] - csum[lo]) / (t - lo) / safe)
    lo8 = np.maximum(t - 8, 0)
    columns.append((nz[t] - nz[lo8]) / (t - lo8))
    columns.append(t.astype(float))
    return np.column_stack(columns), scale


def _naive_scale(y: np.ndarray, origins: np.ndarray) -> np.ndarray:
    """The in-sample one-step naive mean absolute error of ``y[:t]`` for every origin ``t``."""
    diffs = np.concatenate([[0.0], np.cumsum(np.abs(np.diff(y)))])
    return diffs[origins - 1] / np.maximum(origins - 1, 1)


def training_rows(values: Iterable[np.ndarray], horizon: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X, target, weight) from every origin and horizon ``1..horizon`` inside every series."""
    xs, ts, ws = [], [], []
    for y in values:
        y = np.asarray(y, dtype=float)
        if len(y) <= MIN_HISTORY:
            continue
        origins = np.arange(MIN_HISTORY, len(y))
        feats, scale = _origin_features(y, origins)
        naive = _naive_scale(y, origins)
        keep = scale > 0
        feats, scale, naive, origins = feats[keep], scale[keep], naive[keep], origins[keep]
        weight = np.minimum(np.divide(scale, naive, out=np.full_like(scale, WEIGHT_CAP), where=naive > 0),
                            WEIGHT_CAP)
        for k in range(1, horizon + 1):
            ok = origins + k - 1 < len(y)
            if not ok.any():
                break
            xs.append(np.column_stack([np.full(int(ok.sum()), float(k)), feats[ok]]))
            ts.append(np.minimum(y[origins[ok] + k - 1] / scale[ok], TARGET_CAP))
            ws.append(weight[ok])
    if not xs:
        return np.empty((0, 11)), np.empty(0), np.empty(0)
    return np.vstack(xs), np.concatenate(ts), np.concatenate(ws)


def fit_pooled(values: list[np.ndarray], horizon: int) -> Any | None:
    """The pooled model on every series' history (None when there are too few rows)."""
    from sklearn.ensemble import HistGradientBoostingRegressor
    from threadpoolctl import threadpool_limits

    x, target, weight = training_rows(values, horizon)
    if len(target) < MIN_ROWS:
        return None
    if len(target) > MAX_ROWS:
        pick = np.random.default_rng(0).choice(len(target), MAX_ROWS, replace=False)
        x, target, weight = x[pick], target[pick], weight[pick]
    model = HistGradientBoostingRegressor(loss="absolute_error", learning_rate=0.05, max_iter=MAX_ITER,
                                          max_leaf_nodes=15, min_samples_leaf=50, random_state=0)
    with threadpool_limits(1):  # OpenMP threads spin on a busy machine; one thread is as fast and predictable
        return model.fit(x, target, sample_weight=weight)


def predict_pooled(model: Any, y: np.ndarray, horizon: int) -> np.ndarray | None:
    """The path of the next ``horizon`` periods after ``y`` (None when the history is too short or all zero)."""
    y = np.asarray(y, dtype=float)
    if len(y) < MIN_HISTORY or not (y > 0).any():
        return None
    feats, scale = _origin_features(y, np.array([len(y)]))
    rows = np.column_stack([np.arange(1, horizon + 1, dtype=float), np.repeat(feats, horizon, axis=0)])
    return np.maximum(model.predict(rows), 0.0) * scale[0]


def pooled_paths(series: dict[str, tuple[pd.DatetimeIndex, np.ndarray]], drops: Iterable[int],
                 horizon: int) -> dict[str, dict[int, list[float]]]:
    """Per series, ``{history length: forecast path}``: one pooled model per ``drop`` (periods cut off the end).

    The model for ``drop`` d is trained on every series without its last d periods, so the path it gives a
    series starting at its cut is an honest out-of-sample forecast of those periods.
    """
    paths: dict[str, dict[int, list[float]]] = {uid: {} for uid in series}
    for drop in sorted(set(drops)):
        cut = {uid: y[: len(y) - drop] for uid, (_, y) in series.items() if len(y) - drop > MIN_HISTORY}
        model = fit_pooled(list(cut.values()), horizon)
        if model is None:
            continue
        for uid, y in cut.items():
            path = predict_pooled(model, y, horizon)
            if path is not None:
                paths[uid][len(y)] = [float(v) for v in path]
    return paths


@dataclass
class PooledCandidate:
    """A series' forecasts from the pooled model: one path per history length, Gaussian intervals.

    ``fit`` picks the path made for exactly that history (from the model that had not seen later periods) and
    sets the spread from the paths' out-of-sample errors on the earlier cuts of the same series.
    """

    paths: dict[int, list[float]] = field(default_factory=dict)
    path: list[float] = field(default_factory=list)
    sigma: float = 0.0

    def min_length(self) -> int:
        return min(self.paths) if self.paths else 10**9

    def fit(self, ds: pd.DatetimeIndex, y: np.ndarray) -> PooledCandidate:
        n = len(y)
        if n not in self.paths:
            raise ValueError(f"no pooled forecast for a history of {n} periods")
        self.path = list(self.paths[n])
        errors = [np.asarray(y[m : m + len(p)]) - np.asarray(p[: max(min(len(p), n - m), 0)])
                  for m, p in self.paths.items() if m < n]
        flat = np.concatenate(errors) if errors else np.empty(0)
        fallback = np.std(y) if len(y) > 1 else 0.0
        self.sigma = float(np.sqrt(np.mean(flat**2))) if flat.size >= 4 else float(fallback)
        return self

    def forecast(self, future: pd.DatetimeIndex, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        from backoffice.forecast.candidates import z_score

        if not self.path:
            raise RuntimeError("call fit before forecast")
        steps = np.minimum(np.arange(len(future)), len(self.path) - 1)
        mean = np.asarray(self.path)[steps]
        z = z_score(level)
        return mean, mean - z * self.sigma, mean + z * self.sigma

    def to_state(self) -> dict[str, Any]:
        return {"model": "global", "path": self.path, "sigma": self.sigma}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> PooledCandidate:
        return cls(path=[float(v) for v in state["path"]], sigma=float(state["sigma"]))
