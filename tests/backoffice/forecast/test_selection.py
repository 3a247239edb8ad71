"""The per-series choice: a challenger replaces the incumbent only when it clearly wins its backtest."""

import math

import numpy as np
import pandas as pd

from backoffice.forecast import Forecaster
from backoffice.forecast.selection import SelectionSettings, challenger_or_incumbent
from tests.backoffice.forecast.conftest import weekly

LABELS = ["historic_average", "naive", "ses", "median"]


def settings(**kwargs: object) -> SelectionSettings:
    return SelectionSettings(tuple(LABELS), **kwargs)  # type: ignore[arg-type]


def test_the_default_keeps_median_unless_a_challenger_wins_by_40_percent():
    default = settings()
    assert (default.incumbent, default.margin) == ("median", 0.4)
    assert Forecaster("W").selection.incumbent == "median"
    barely = {"historic_average": 9.0, "naive": 12.0, "ses": 9.5, "median": 10.0}  # 10% better: not enough
    assert challenger_or_incumbent(barely, LABELS, default) == ["median"]
    clearly = {"historic_average": 5.5, "naive": 12.0, "ses": 9.5, "median": 10.0}  # 45% better
    assert challenger_or_incumbent(clearly, LABELS, default) == ["historic_average"]
    at_the_margin = {"historic_average": 6.0, "naive": 12.0, "ses": 9.5, "median": 10.0}
    assert challenger_or_incumbent(at_the_margin, LABELS, default) == ["median"]


def test_margin_zero_or_no_incumbent_is_the_plain_backtest_winner():
    barely = {"historic_average": 9.0, "naive": 12.0, "ses": 9.0, "median": 10.0}
    assert challenger_or_incumbent(barely, LABELS, settings(margin=0.0)) == ["historic_average"]  # first on a tie
    assert challenger_or_incumbent(barely, LABELS, settings(incumbent=None)) == ["historic_average"]
    no_median = {"historic_average": 9.0, "naive": 12.0, "ses": 9.5, "median": math.inf}
    assert challenger_or_incumbent(no_median, LABELS, settings()) == ["historic_average"]
    assert challenger_or_incumbent(barely, LABELS, settings(top_k=2)) == ["historic_average", "ses"]


def test_a_challenger_that_barely_wins_the_backtest_does_not_replace_the_incumbent():
    rng = np.random.default_rng(4)
    steady = weekly("steady", 50 + np.linspace(0, 6, 60) + rng.normal(0, 5, 60))  # a slight drift
    shift = weekly("shift", np.r_[np.full(40, 100.0), 10 + rng.normal(0, 1, 30)])  # old history misleads
    table = pd.concat([steady, shift], ignore_index=True)
    models = ["historic_average", "naive", "ses"]
    plain = Forecaster("W", models=models, country=None, incumbent="historic_average", margin=0.0).fit(table)
    errors = plain.selected().set_index("unique_id")
    winner = errors.loc["steady", "model"]
    assert winner != "historic_average"  # the steady series' mean loses its backtest, but only narrowly
    gap = 1 - errors.loc["steady", f"mae_{winner}"] / errors.loc["steady", "mae_historic_average"]
    assert 0 < gap < 0.4

    guarded = Forecaster("W", models=models, country=None, incumbent="historic_average").fit(table)  # margin 0.4
    chosen = guarded.selected().set_index("unique_id")["model"].to_dict()
    assert chosen["steady"] == "historic_average"  # barely better: the incumbent stays
    assert chosen["shift"] in {"naive", "ses"}  # clearly better: the challenger replaces it
    assert errors.loc["shift", f"mae_{chosen['shift']}"] < 0.6 * errors.loc["shift", "mae_historic_average"]
