"""Small generated weekly series for the forecaster tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

BASELINES = ["historic_average", "moving_average", "naive", "seasonal_naive", "ses", "theta", "damped",
             "combination", "croston", "sba", "tsb"]


def weekly(uid: str, values: np.ndarray, start: str = "2024-01-01") -> pd.DataFrame:
    return pd.DataFrame({"unique_id": uid, "ds": pd.date_range(start, periods=len(values), freq="7D"), "y": values})


@pytest.fixture
def small_table() -> pd.DataFrame:
    """Three series: steady with noise, a trend, and intermittent demand (one shorter than the others)."""
    rng = np.random.default_rng(7)
    steady = 20 + rng.normal(0, 2, 40)
    trend = 5 + 0.8 * np.arange(40) + rng.normal(0, 1, 40)
    sparse = rng.poisson(0.3, 30) * 4.0
    return pd.concat([weekly("A", steady), weekly("B", trend), weekly("C", sparse, "2024-03-04")], ignore_index=True)
