"""The model contract (scikit-learn conventions) on tiny synthetic data, and the alert-budget threshold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier, IsolationForest
from sklearn.exceptions import NotFittedError

from backoffice.fraud.model import FraudModel, _Boosted, _Forest
from backoffice.fraud.threshold import alerts_per_day, threshold_for_budget

SMALL = {"max_iter": 30, "anomaly_trees": 20, "min_samples_leaf": 5}


def synthetic(n: int = 600, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"amount": rng.gamma(2.0, 20.0, n), "ratio": rng.normal(1.0, 0.3, n),
                      "risk": rng.random(n) * 0.1})
    y = ((X["ratio"] > 1.5) | (X["risk"] > 0.095)).to_numpy().astype(int)
    X.loc[y == 1, "amount"] *= 4
    X.loc[::50, "ratio"] = np.nan  # unknown habits are allowed
    return X, y


def test_fit_returns_self_and_learned_attributes_end_in_underscore() -> None:
    X, y = synthetic()
    model = FraudModel(**SMALL)
    assert vars(model) == model.get_params()  # __init__ only stores parameters
    assert model.fit(X, y) is model
    learned = set(vars(model)) - set(model.get_params())
    assert learned and all(name.endswith("_") for name in learned)
    assert list(model.feature_names_in_) == list(X.columns) and model.n_features_in_ == 3


def test_predict_proba_is_a_probability_that_ranks_frauds_first() -> None:
    X, y = synthetic()
    proba = FraudModel(**SMALL).fit(X, y).predict_proba(X)
    assert proba.shape == (len(X), 2)
    assert np.allclose(proba.sum(axis=1), 1.0) and (proba >= 0).all() and (proba <= 1).all()
    assert proba[y == 1, 1].mean() > 0.5 > proba[y == 0, 1].mean()


def test_random_state_makes_it_reproducible() -> None:
    X, y = synthetic()
    a = FraudModel(**SMALL, random_state=3).fit(X, y).predict_proba(X)
    b = FraudModel(**SMALL, random_state=3).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)


def test_unfitted_and_mismatched_inputs_are_refused() -> None:
    X, y = synthetic()
    with pytest.raises(NotFittedError):
        FraudModel().predict_proba(X)
    model = FraudModel(**SMALL).fit(X, y)
    with pytest.raises(ValueError, match="different feature columns"):
        model.predict_proba(X[["ratio", "amount", "risk"]])
    with pytest.raises(ValueError, match="expects 3"):
        model.predict_proba(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="0/1"):
        FraudModel(**SMALL).fit(X, y * 2)
    with pytest.raises(ValueError, match="both frauds and genuine"):
        FraudModel(**SMALL).fit(X, np.zeros(len(X)))


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    X, y = synthetic()
    model = FraudModel(**SMALL).fit(X, y)
    model.save(tmp_path / "m" / "model.joblib", threshold=0.3)
    loaded, extra = FraudModel.load(tmp_path / "m" / "model.joblib")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert extra == {"threshold": 0.3}
    with pytest.raises(ValueError, match="no fraud model"):
        FraudModel.load(tmp_path / "missing.joblib")


def test_the_flattened_forests_score_like_scikit_learn() -> None:
    X, y = synthetic()
    data = X.fillna(1.0).to_numpy()
    booster = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(X.to_numpy(), y)
    np.testing.assert_allclose(_Boosted(booster).raw(X.to_numpy()), booster.decision_function(X.to_numpy()),
                               rtol=1e-9, atol=1e-9)
    forest = IsolationForest(n_estimators=20, random_state=0).fit(data)
    np.testing.assert_allclose(_Forest(forest).score(data), -forest.score_samples(data), rtol=1e-9)
    for i in range(0, len(X), 37):  # one row at a time takes the flat per-order path
        np.testing.assert_allclose(_Boosted(booster).raw(X.to_numpy()[i:i + 1]),
                                   booster.decision_function(X.to_numpy()[i:i + 1]), rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(_Forest(forest).score(data[i:i + 1]), -forest.score_samples(data[i:i + 1]),
                                   rtol=1e-9)


def test_a_flattened_bag_scores_the_mean_of_its_boosters() -> None:
    X, y = synthetic()
    bag = [HistGradientBoostingClassifier(max_iter=15, max_leaf_nodes=leaves, max_features=0.7, random_state=seed)
           .fit(X.to_numpy(), y) for seed, leaves in ((0, 7), (1, 4), (2, 15))]
    mean = np.mean([booster.decision_function(X.to_numpy()) for booster in bag], axis=0)
    np.testing.assert_allclose(_Boosted(bag).raw(X.to_numpy()), mean, rtol=1e-9, atol=1e-9)
    model = FraudModel(**SMALL, n_members=3).fit(X, y)
    assert model.booster_.rows.size == 3 * SMALL["max_iter"]
    with pytest.raises(ValueError, match="n_members"):
        FraudModel(**SMALL, n_members=0).fit(X, y)


def test_threshold_keeps_alerts_within_the_budget() -> None:
    days = {"mon": [0.9, 0.8, 0.1, 0.05], "tue": [0.7, 0.2, 0.1], "wed": [0.95, 0.6, 0.5, 0.4]}
    threshold = threshold_for_budget(days, reviews_per_day=2)
    alerts = alerts_per_day(days, threshold)
    assert sum(alerts.values()) <= 2 * 3
    assert threshold_for_budget(days, reviews_per_day=1) > threshold  # a smaller budget, a stricter threshold
    # Exactly the 6 highest scores are flagged: 0.95, 0.9, 0.8, 0.7, 0.6, 0.5.
    assert sum(alerts.values()) == 6 and 0.4 < threshold <= 0.5
    assert threshold_for_budget([[0.3, 0.2]], reviews_per_day=10) == 0.2  # everything fits: review all


@pytest.mark.parametrize(("days", "budget", "message"), [
    ({}, 1, "empty"), ({"d": []}, 1, "no scores"), ({"d": [0.1]}, 0, "positive"), ({"d": [float("nan")]}, 1, "finite"),
])
def test_threshold_refuses_bad_input(days: dict[str, list[float]], budget: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        threshold_for_budget(days, budget)
