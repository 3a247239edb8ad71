"""Prophet on a tiny series: fit, intervals, holidays, JSON persistence (a few seconds)."""

import numpy as np
import pytest

from backoffice.forecast import Forecaster
from backoffice.forecast.candidates import candidate_from_state
from backoffice.forecast.selection import forecast_series
from tests.backoffice.forecast.conftest import weekly


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(3)
    table = weekly("P", 30 + 0.5 * np.arange(60) + rng.normal(0, 2, 60))
    return Forecaster("W", models=["prophet"], country="UK", subdivision="ENG").fit(table)


def test_prophet_forecast_has_intervals_and_follows_the_trend(fitted):
    result = fitted.predict(8)
    assert (result["model"] == "prophet").all()
    assert (result["yhat_lo"] < result["yhat"]).all() and (result["yhat"] < result["yhat_hi"]).all()
    assert result["yhat"].iloc[-1] > result["yhat"].iloc[0] > 50


def test_prophet_persists_as_json_and_round_trips(fitted):
    fit = fitted.fits_["P"]
    assert isinstance(fit.state["prophet"], str) and fit.state["prophet"].startswith("{")
    again = forecast_series(fit, 8, (80,), True, candidate_from_state(fit.state))
    assert np.allclose(again["yhat"], fitted.predict(8)["yhat"])
