"""Reasons in plain words, weighed by the model, worded from the order's own numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from backoffice.fraud.features import FeatureSpec, build_features
from backoffice.fraud.pipeline import train
from backoffice.fraud.reasons import reasons


def handbook_like(days: int = 50, seed: int = 1) -> pd.DataFrame:
    """Amounts over 220 are fraud, and so is everything at terminal 3 from day 20 on."""
    rng = np.random.default_rng(seed)
    n = days * 40
    start = pd.Timestamp("2018-04-01")
    t = start + pd.to_timedelta(np.sort(rng.uniform(0, days * 86400, n)).astype(int), "s")
    terminal = rng.integers(0, 12, n)
    amount = np.round(rng.gamma(2.0, 25.0, n), 2)
    big = rng.random(n) < 0.02
    amount[big] = np.round(rng.uniform(230, 400, big.sum()), 2)
    fraud = big | ((terminal == 3) & (t >= start + pd.Timedelta(days=20)))
    return pd.DataFrame({"TRANSACTION_ID": np.arange(n), "TX_DATETIME": t, "CUSTOMER_ID": rng.integers(0, 60, n),
                         "TERMINAL_ID": terminal, "TX_AMOUNT": amount, "TX_FRAUD": fraud.astype(int)})


def test_a_large_amount_and_a_risky_terminal_are_named() -> None:
    frame = handbook_like()
    spec = FeatureSpec()
    bundle = train(frame, spec, reviews_per_day=3, params={"max_iter": 60, "anomaly_trees": 20})
    features = build_features(frame, spec)
    big = int(frame.index[(frame["TX_AMOUNT"] > 300) & (frame["TERMINAL_ID"] != 3)][-1])
    words = reasons(bundle.model, spec, features.iloc[big].to_numpy())
    assert words and words[0].startswith(f"amount £{frame['TX_AMOUNT'][big]:,.2f}")
    late = frame[(frame["TERMINAL_ID"] == 3) & (pd.to_datetime(frame["TX_DATETIME"]) > "2018-05-15")
                 & (frame["TX_AMOUNT"] < 100)].index[-1]
    words = reasons(bundle.model, spec, features.iloc[int(late)].to_numpy())
    assert any(w.startswith("this terminal had") and "confirmed frauds" in w for w in words)
    assert len(words) <= 3
