"""The fraud model: a bag of gradient-boosting models on the rolling features, an anomaly score, calibrated.

The bag (``n_members`` boosters, each split looking at a random ``max_features`` share of the features, seeds
``random_state + i``) is averaged in log-odds and flattened into one additive model, so it scores in one pass.

The anomaly score is fitted without labels, so it sees patterns nobody has labelled yet. By default it is a
second alarm beside the probability (``pipeline.Bundle`` gives it its own small share of the alert budget);
with ``anomaly_as_feature`` it is one more booster input instead (on the Handbook data that cost about 0.01 of
average precision, so it is off). The booster's output is calibrated on a later, held-out slice of the training
rows (Platt scaling by default, which keeps the ranking; or isotonic).
Both forests are flattened into arrays, so scoring one order costs a few NumPy operations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier, IsolationForest
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

ANOMALY = "ANOMALY_SCORE"
FORMAT = 1
CHUNK = 4096  # rows scored at a time in batch


def _average_path_length(n: np.ndarray) -> np.ndarray:
    """Expected path length of an unsuccessful search in a binary tree of ``n`` points (Liu et al.)."""
    n = np.asarray(n, dtype=float)
    out = np.zeros_like(n)
    out[n == 2] = 1.0
    big = n > 2
    out[big] = 2.0 * (np.log(n[big] - 1.0) + np.euler_gamma) - 2.0 * (n[big] - 1.0) / n[big]
    return out


class _Forest:
    """An isolation forest flattened into padded arrays, so a few rows score without per-tree Python calls."""

    def __init__(self, forest: IsolationForest) -> None:
        trees = [est.tree_ for est in forest.estimators_]
        width = max(tree.node_count for tree in trees)
        shape = (len(trees), width)
        self.left = np.zeros(shape, dtype=np.int64)
        self.right = np.zeros(shape, dtype=np.int64)
        self.feature = np.zeros(shape, dtype=np.int64)
        self.threshold = np.zeros(shape)
        self.value = np.zeros(shape)
        for i, (tree, features) in enumerate(zip(trees, forest.estimators_features_, strict=True)):
            n = tree.node_count
            leaf = tree.children_left[:n] == -1
            self.left[i, :n] = np.where(leaf, np.arange(n), tree.children_left[:n])
            self.right[i, :n] = np.where(leaf, np.arange(n), tree.children_right[:n])
            self.feature[i, :n] = np.where(leaf, 0, np.asarray(features)[np.maximum(tree.feature[:n], 0)])
            self.threshold[i, :n] = np.where(leaf, np.inf, tree.threshold[:n])
            self.value[i, :n] = tree.compute_node_depths()[:n] + _average_path_length(tree.n_node_samples[:n]) - 1
        self.depth = max(int(tree.max_depth) for tree in trees) + 1
        self.norm = float(_average_path_length(np.array([forest._max_samples]))[0]) * len(trees)  # noqa: SLF001
        self.rows = np.arange(len(trees))

    def score(self, X: np.ndarray) -> np.ndarray:
        """Anomaly in (0, 1], higher = more unusual (sklearn's ``-score_samples``)."""
        if X.shape[0] > CHUNK:
            return np.concatenate([self.score(X[i:i + CHUNK]) for i in range(0, X.shape[0], CHUNK)])
        if X.shape[0] == 1:
            flat = self.__dict__.get("_flat")
            if flat is None:
                flat = self.__dict__["_flat"] = (self.rows * self.left.shape[1], self.feature.ravel(),
                                                 self.threshold.ravel(), self.left.ravel(), self.right.ravel(),
                                                 self.value.ravel())
            base, feature, threshold, left, right, value = flat
            x, at = X[0], base.copy()
            for _ in range(self.depth):
                at = base + np.where(x[feature[at]] <= threshold[at], left[at], right[at])
            total = np.array([value[at].sum()])
        else:
            node = np.zeros((X.shape[0], len(self.rows)), dtype=np.int64)
            for _ in range(self.depth):
                feat = self.feature[self.rows, node]
                values = np.take_along_axis(X, feat, axis=1)
                node = np.where(values <= self.threshold[self.rows, node], self.left[self.rows, node],
                                self.right[self.rows, node])
            total = self.value[self.rows, node].sum(axis=1)
        return np.asarray(2.0 ** (-total / self.norm)) if self.norm else np.ones(X.shape[0])


class _Boosted:
    """Fitted ``HistGradientBoostingClassifier`` s flattened into one set of padded arrays (no thread pool per call).

    Several boosters (a bag) become one additive model: every tree's leaf values are divided by the number of
    boosters, so one vectorised pass gives the mean of their raw scores.
    """

    def __init__(self, boosters: HistGradientBoostingClassifier | list[HistGradientBoostingClassifier]) -> None:
        members = boosters if isinstance(boosters, list) else [boosters]
        share = 1.0 / len(members)
        nodes = [predictors[0].nodes for booster in members for predictors in booster._predictors]  # noqa: SLF001
        width = max(len(tree) for tree in nodes) if nodes else 1
        shape = (len(nodes), width)
        self.left = np.zeros(shape, dtype=np.int64)
        self.right = np.zeros(shape, dtype=np.int64)
        self.feature = np.zeros(shape, dtype=np.int64)
        self.threshold = np.full(shape, np.inf)
        self.nan_left = np.ones(shape, dtype=bool)
        self.value = np.zeros(shape)
        for i, tree in enumerate(nodes):
            n = len(tree)
            leaf = tree["is_leaf"].astype(bool)
            self.left[i, :n] = np.where(leaf, np.arange(n), tree["left"])
            self.right[i, :n] = np.where(leaf, np.arange(n), tree["right"])
            self.feature[i, :n] = np.where(leaf, 0, tree["feature_idx"])
            self.threshold[i, :n] = np.where(leaf, np.inf, tree["num_threshold"])
            self.nan_left[i, :n] = tree["missing_go_to_left"].astype(bool) | leaf
            self.value[i, :n] = np.where(leaf, tree["value"], 0.0) * share
        self.depth = max(int(tree["depth"].max()) for tree in nodes) + 1 if nodes else 0
        self.baseline = float(np.mean([np.ravel(b._baseline_prediction)[0] for b in members]))  # noqa: SLF001
        self.rows = np.arange(len(nodes))

    def raw(self, X: np.ndarray) -> np.ndarray:
        """The booster's raw score (log-odds before calibration) per row."""
        if X.shape[0] > CHUNK:  # the (rows x trees) index arrays stay a few tens of MB
            return np.concatenate([self.raw(X[i:i + CHUNK]) for i in range(0, X.shape[0], CHUNK)])
        base, feature, threshold, nan_left, left, right, value = self._flat()
        rows = np.ascontiguousarray(X, dtype=float)
        values = rows.ravel()
        missing = np.isnan(values)
        offsets = (np.arange(rows.shape[0]) * rows.shape[1])[:, None]
        at = np.broadcast_to(base, (rows.shape[0], len(base)))
        for _ in range(self.depth):  # every row walks every tree one level down per step
            f = feature[at] + offsets
            go_left = (values[f] <= threshold[at]) | (missing[f] & nan_left[at])
            at = base + np.where(go_left, left[at], right[at])
        return np.asarray(self.baseline + value[at].sum(axis=1))

    def _flat(self) -> tuple[np.ndarray, ...]:
        """The tree arrays flattened to 1-D, with each tree's offset (cheap gathers instead of 2-D indexing)."""
        flat = self.__dict__.get("_flat_arrays")
        if flat is None:
            flat = self.__dict__["_flat_arrays"] = (
                self.rows * self.left.shape[1], self.feature.ravel(), self.threshold.ravel(),
                self.nan_left.ravel(), self.left.ravel(), self.right.ravel(), self.value.ravel())
        return flat


class FraudModel(ClassifierMixin, BaseEstimator):
    """Calibrated fraud probability from feature rows (``fit`` / ``predict_proba`` / ``anomaly_score``).

    ``fit`` expects rows in time order: the booster is first fitted on the earlier ``1 - holdout`` share, the
    calibrator on the later share, then the booster is refitted on everything. ``X`` may be a DataFrame (its
    column names are remembered and checked) or an array. Missing values are allowed (the booster handles them;
    the anomaly forest sees medians).
    """

    def __init__(
        self, *, max_iter: int = 400, learning_rate: float = 0.05, max_leaf_nodes: int = 7,
        min_samples_leaf: int = 20, l2_regularization: float = 1.0, max_features: float = 0.7, n_members: int = 3,
        anomaly: bool = True,
        anomaly_as_feature: bool = False,
        anomaly_trees: int = 100, calibration: str = "sigmoid", holdout: float = 0.25, random_state: int | None = 0,
    ) -> None:
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.max_features = max_features
        self.n_members = n_members
        self.anomaly = anomaly
        self.anomaly_trees = anomaly_trees
        self.anomaly_as_feature = anomaly_as_feature
        self.calibration = calibration
        self.holdout = holdout
        self.random_state = random_state

    # ------------------------------------------------------------------------------------------------ fit

    def fit(self, X: Any, y: Any) -> FraudModel:
        """Fit the anomaly forest, the booster and the calibrator; returns self.

        Training uses one thread: on a shared machine OpenMP's threads waiting on each other cost far more.
        """
        with threadpool_limits(limits=1, user_api="openmp"):
            return self._fit(X, y)

    def _fit(self, X: Any, y: Any) -> FraudModel:
        if self.calibration not in ("auto", "isotonic", "sigmoid"):
            raise ValueError("calibration must be 'auto', 'isotonic' or 'sigmoid'")
        if self.n_members < 1:
            raise ValueError("n_members must be at least 1")
        if not 0.05 <= self.holdout <= 0.5:
            raise ValueError("holdout must lie between 0.05 and 0.5")
        names = list(X.columns) if isinstance(X, pd.DataFrame) else None
        data = np.asarray(X, dtype=float)
        target = np.asarray(y, dtype=float).ravel()
        if data.ndim != 2 or len(data) != len(target):
            raise ValueError("X must be 2-D with one row per label in y")
        if not np.isin(target, (0.0, 1.0)).all():
            raise ValueError("y must hold 0/1 labels")
        cut = int(round(len(target) * (1.0 - self.holdout)))
        for part, name in ((target[:cut], "the earlier part"), (target[cut:], "the calibration holdout")):
            if part.sum() < 1 or part.sum() == len(part):
                raise ValueError(f"{name} of the training rows needs both frauds and genuine rows")
        if names is not None:
            self.feature_names_in_ = np.asarray(names, dtype=object)
        self.n_features_in_ = data.shape[1]
        self.classes_ = np.array([0, 1])
        medians = np.nanmedian(np.where(np.isfinite(data), data, np.nan), axis=0)
        self.medians_ = np.nan_to_num(medians, nan=0.0)
        if self.anomaly:
            forest = IsolationForest(n_estimators=self.anomaly_trees, max_samples=min(256, len(data)),
                                     max_features=1.0, random_state=self.random_state)
            self.forest_: _Forest | None = _Forest(forest.fit(self._filled(data)))
        else:
            self.forest_ = None
        inputs = self._inputs(data)
        self.anomaly_median_ = float(np.median(self.anomaly_score(data))) if self.forest_ is not None else 0.0
        early = self._bag(inputs[:cut], target[:cut])
        raw, held = early.raw(inputs[cut:]), target[cut:]
        method = self.calibration
        if method == "auto":
            method = "isotonic" if held.sum() >= 100 else "sigmoid"
        if method == "isotonic":
            iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, held)
            self.calibration_: tuple[str, Any, Any] = (
                "isotonic", np.asarray(iso.X_thresholds_), np.asarray(iso.y_thresholds_))
        else:
            platt = LogisticRegression(C=1e4).fit(raw.reshape(-1, 1), held)
            self.calibration_ = ("sigmoid", float(platt.coef_[0, 0]), float(platt.intercept_[0]))
        self.booster_ = self._bag(inputs, target)
        return self

    def _bag(self, inputs: np.ndarray, target: np.ndarray) -> _Boosted:
        """``n_members`` boosters that differ only in their seed (which features each split may look at)."""
        seeds = [None if self.random_state is None else self.random_state + i for i in range(self.n_members)]
        return _Boosted([self._booster(seed).fit(inputs, target) for seed in seeds])

    def _booster(self, seed: int | None) -> HistGradientBoostingClassifier:
        return HistGradientBoostingClassifier(
            max_iter=self.max_iter, learning_rate=self.learning_rate, max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf, l2_regularization=self.l2_regularization,
            max_features=self.max_features, early_stopping=False, random_state=seed,
        )

    # ------------------------------------------------------------------------------------------------ predict

    def _array(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "booster_")
        if isinstance(X, pd.DataFrame) and hasattr(self, "feature_names_in_"):
            if list(X.columns) != list(self.feature_names_in_):
                raise ValueError("X has different feature columns from those the model was fitted on")
        data = np.asarray(X, dtype=float)
        if data.ndim == 1:
            data = data.reshape(1, -1)
        if data.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {data.shape[1]} features, the model expects {self.n_features_in_}")
        return data

    def _filled(self, data: np.ndarray) -> np.ndarray:
        return np.where(np.isfinite(data), data, self.medians_)

    def _inputs(self, data: np.ndarray) -> np.ndarray:
        if self.forest_ is None or not self.anomaly_as_feature:
            return data
        return np.column_stack([data, self.forest_.score(self._filled(data))])

    def anomaly_score(self, X: Any) -> np.ndarray:
        """Isolation-forest anomaly in (0, 1] per row (about 0.5 is ordinary); zeros when disabled."""
        data = self._array(X) if hasattr(self, "booster_") else np.asarray(X, dtype=float)
        return self.forest_.score(self._filled(data)) if self.forest_ is not None else np.zeros(len(data))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Calibrated ``[P(genuine), P(fraud)]`` per row."""
        return self.proba_from_inputs(self._inputs(self._array(X)))

    def proba_from_inputs(self, inputs: np.ndarray) -> np.ndarray:
        """Calibrated ``[P(genuine), P(fraud)]`` from booster inputs (features plus the anomaly column)."""
        raw = self.booster_.raw(inputs)
        kind, a, b = self.calibration_
        if kind == "isotonic":
            fraud = np.interp(raw, a, b)
        else:
            fraud = 1.0 / (1.0 + np.exp(-(a * raw + b)))
        return np.column_stack([1.0 - fraud, fraud])

    def predict(self, X: Any) -> np.ndarray:
        """1 where the calibrated fraud probability is at least 0.5."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    # ------------------------------------------------------------------------------------------------ files

    def save(self, path: Path, **extra: Any) -> None:
        """Write the model and ``extra`` (feature spec, threshold, ...) to ``path`` with joblib."""
        check_is_fitted(self, "booster_")
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump({"format": FORMAT, "model": self, **extra}, path)

    @staticmethod
    def load(path: Path) -> tuple[FraudModel, dict[str, Any]]:
        """The model saved at ``path`` and the extras saved with it."""
        if not Path(path).is_file():
            raise ValueError(f"no fraud model at {path}: train one first (python -m backoffice.fraud train)")
        bundle = joblib.load(path)
        if not isinstance(bundle, dict) or bundle.get("format") != FORMAT or not isinstance(bundle.get("model"),
                                                                                           FraudModel):
            raise ValueError(f"{path} is not a Shopdesk fraud model")
        model = bundle.pop("model")
        bundle.pop("format")
        return model, bundle
