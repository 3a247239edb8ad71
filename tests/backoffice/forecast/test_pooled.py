import json

import numpy as np
import pandas as pd
import pytest

from backoffice.forecast import Forecaster, pooled
from backoffice.forecast.candidates import candidate_from_state
from backoffice.forecast.pooled import pooled_paths
from backoffice.forecast.selection import future_dates
from tests.backoffice.forecast.conftest import weekly


@pytest.fixture(autouse=True)
def _few_boosting_rounds(monkeypatch):
    monkeypatch.setattr(pooled, "MAX_ITER", 25)  # keeps the tests fast; the shape is still learnt


def _shop(n_series: int = 12, weeks: int = 40) -> pd.DataFrame:
    """Series of different sizes sharing one shape: a level that steps up by half 10 weeks before the end."""
    rng = np.random.default_rng(3)
    frames = []
    for i in range(n_series):
        size = 5.0 * (i + 1)
        level = np.where(np.arange(weeks) >= weeks - 10, 1.5 * size, size)
        frames.append(weekly(f"S{i}", rng.poisson(level).astype(float)))
    return pd.concat(frames, ignore_index=True)


def test_pooled_paths_never_see_the_periods_they_forecast():
    table = _shop()
    series = {u: (pd.DatetimeIndex(g["ds"]), g["y"].to_numpy()) for u, g in table.groupby("unique_id")}
    paths = pooled_paths(series, [0, 8], horizon=4)
    assert set(paths["S0"]) == {32, 40} and len(paths["S0"][40]) == 4
    changed = {u: (ds, np.r_[y[:32], y[32:] * 100]) for u, (ds, y) in series.items()}  # only the cut weeks
    assert pooled_paths(changed, [8], horizon=4)["S3"][32] == paths["S3"][32]


def test_global_and_median_candidates_fit_predict_and_round_trip(tmp_path):
    table = _shop()
    forecaster = Forecaster("W", models=["historic_average", "naive", "global", "median"], backtest_h=4,
                            country=None)
    result = forecaster.fit(table).predict(6)
    assert len(result) == 12 * 6
    assert (result["yhat_lo"] <= result["yhat"]).all() and (result["yhat"] <= result["yhat_hi"]).all()
    errors = forecaster.selected().set_index("unique_id")
    assert np.isfinite(errors["mae_global"]).all() and np.isfinite(errors["mae_median"]).all()
    for label in ("global", "median"):
        only = Forecaster("W", models=[label], backtest_h=4, country=None).fit(table)
        fit = only.fits_["S5"]
        assert fit.model == label
        again = candidate_from_state(json.loads(json.dumps(fit.state)))
        future = future_dates(fit.last_ds, 6, 7)
        mean, lo, hi = again.forecast(future, 80)
        first = only.predict(6)
        assert np.allclose(first[first["unique_id"] == "S5"]["yhat"], np.maximum(mean, 0))
        assert (lo <= mean).all() and (mean <= hi).all()


def test_global_learns_the_shared_step_better_than_the_long_run_mean():
    table = _shop(n_series=20)
    cv = Forecaster("W", models=["historic_average", "global"], backtest_h=4, country=None).cross_validation(
        table, h=4, n_windows=1)
    err = {m: float(np.mean(np.abs(cv["y"] - cv[m]))) for m in ("historic_average", "global")}
    assert err["global"] < err["historic_average"]


def test_a_single_short_series_still_gets_a_forecast():
    short = weekly("tiny", np.array([3.0, 0, 2, 5, 1, 0, 4, 2, 3, 1, 0, 2]))
    result = Forecaster("W", country=None).fit(short).predict(3)
    assert len(result) == 3 and result["yhat"].notna().all()
