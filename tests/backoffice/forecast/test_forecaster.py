import numpy as np
import pandas as pd
import pytest

from backoffice.forecast import Forecaster
from backoffice.forecast.calendar import load_promotions, shop_events, snap_to_periods
from tests.backoffice.forecast.conftest import BASELINES, weekly


def test_predict_contract(small_table):
    result = Forecaster("W", models=BASELINES, backtest_h=4, country=None).fit(small_table).predict(6)
    assert list(result.columns) == ["unique_id", "ds", "yhat", "yhat_lo", "yhat_hi", "model"]
    assert result.groupby("unique_id").size().to_dict() == {"A": 6, "B": 6, "C": 6}
    for uid, group in result.groupby("unique_id"):
        last = small_table.loc[small_table["unique_id"] == uid, "ds"].max()
        assert list(group["ds"]) == list(pd.date_range(last + pd.Timedelta(days=7), periods=6, freq="7D"))
    assert (result["yhat_lo"] <= result["yhat"]).all() and (result["yhat"] <= result["yhat_hi"]).all()
    assert (result["yhat_lo"] >= 0).all()
    assert set(result["model"]) <= set(BASELINES)


def test_several_levels_nest(small_table):
    result = Forecaster("W", models=["historic_average", "naive"], country=None).fit(small_table).predict(
        3, level=[80, 95])
    assert {"yhat_lo_80", "yhat_hi_80", "yhat_lo_95", "yhat_hi_95"} <= set(result.columns)
    assert (result["yhat_lo_95"] <= result["yhat_lo_80"]).all()
    assert (result["yhat_hi_95"] >= result["yhat_hi_80"]).all()


def test_selection_picks_the_model_that_obviously_wins():
    pattern = np.array([5.0, 5, 6, 8, 12, 20, 30, 40, 30, 20, 12, 8, 6] * 4)
    seasonal = weekly("seasonal", np.tile(pattern, 3))  # 156 weeks of an exact yearly pattern
    jump = weekly("level_shift", np.r_[np.full(40, 100.0), np.full(40, 10.0)])  # old history misleads
    forecaster = Forecaster("W", models=["historic_average", "seasonal_naive", "naive"], backtest_h=8,
                            country=None).fit(pd.concat([seasonal, jump]))
    chosen = forecaster.selected().set_index("unique_id")["model"].to_dict()
    assert chosen == {"seasonal": "seasonal_naive", "level_shift": "naive"}
    errors = forecaster.selected().set_index("unique_id")
    assert errors.loc["seasonal", "mae_seasonal_naive"] == 0
    assert errors.loc["seasonal", "mae_historic_average"] > 1


def test_cross_validation_windows(small_table):
    cv = Forecaster("W", models=["historic_average", "naive"], country=None).cross_validation(
        small_table, h=4, n_windows=2)
    assert {"unique_id", "ds", "cutoff", "y", "historic_average", "naive", "auto"} <= set(cv.columns)
    assert cv.groupby("unique_id")["cutoff"].nunique().to_dict() == {"A": 2, "B": 2, "C": 2}
    assert len(cv) == 3 * 2 * 4
    assert (cv["ds"] > cv["cutoff"]).all()


def test_errors_say_what_to_do(small_table):
    with pytest.raises(RuntimeError, match="call fit"):
        Forecaster("W").predict(4)
    with pytest.raises(ValueError, match="unique_id, ds, y"):
        Forecaster("W", country=None).fit(small_table.rename(columns={"y": "units"}))
    with pytest.raises(ValueError, match="freq"):
        Forecaster("M")
    with pytest.raises(ValueError, match="unknown models"):
        Forecaster("W", models=["arima"])
    with pytest.raises(ValueError, match="occurs twice"):
        Forecaster("W", models=["naive"], country=None).fit(pd.concat([small_table, small_table.head(1)]))


def test_missing_weeks_count_as_zero():
    table = weekly("A", np.array([4.0, 4, 4, 4, 4, 4])).drop(index=[2, 3])
    forecaster = Forecaster("W", models=["historic_average"], country=None).fit(table)
    assert forecaster.predict(1)["yhat"].iloc[0] == pytest.approx(16 / 6)


def test_parallel_fitting_matches_sequential(small_table):
    kwargs = {"models": ["historic_average", "ses", "naive"], "backtest_h": 4, "country": None}
    one = Forecaster("W", n_jobs=1, **kwargs).fit_predict(small_table, 4)
    two = Forecaster("W", n_jobs=2, **kwargs).fit_predict(small_table, 4)
    pd.testing.assert_frame_equal(one, two)


def test_weekly_holidays_land_on_their_week(tmp_path):
    promos = tmp_path / "promotions.yml"
    promos.write_text("promotions:\n  - name: black_friday\n    dates: [2025-11-28]\n    days_after: 3\n")
    events = shop_events([2025], "UK", "ENG", promos)
    assert {"public_holiday", "black_friday"} == set(events["holiday"])
    snapped = snap_to_periods(events, 7, pd.Timestamp("2025-01-06"))  # Monday-labelled weeks
    black_friday = snapped[snapped["holiday"] == "black_friday"]["ds"].dt.date.astype(str).tolist()
    assert black_friday == ["2025-11-24", "2025-12-01"]  # Fri..Mon spans two weeks
    christmas = snapped[(snapped["holiday"] == "public_holiday") & (snapped["ds"] == "2025-12-22")]
    assert len(christmas) == 1


def test_the_shops_promotion_calendar_loads():
    from backoffice.config import ROOT

    table = load_promotions(ROOT / "backoffice" / "kb" / "promotions.yml")
    assert {"black_friday", "summer_sale"} <= set(table["holiday"])
    assert (table["upper_window"] >= 0).all() and (table["lower_window"] <= 0).all()


def test_top_k_blends_the_best_backtest_models_and_round_trips(small_table, tmp_path):
    from datetime import datetime

    from backoffice.forecast.store import ForecastStore

    forecaster = Forecaster("W", models=["historic_average", "ses", "naive", "sba"], backtest_h=4, country=None,
                            top_k=2)
    result = forecaster.fit_predict(small_table, 3)
    assert all(model.count("+") == 1 for model in result["model"])
    store = ForecastStore(tmp_path)
    store.save(forecaster, small_table, result, made_at=datetime(2026, 1, 1))
    pd.testing.assert_frame_equal(store.load_forecaster().predict(3), forecaster.predict(3))
