import numpy as np
import pytest

from backoffice.forecast import baselines as bl


def test_naive_repeats_the_last_value_and_widens():
    mean, sd = bl.Naive().fit(np.array([1.0, 3.0, 2.0, 5.0])).predict(3)
    assert mean.tolist() == [5.0, 5.0, 5.0]
    assert sd[0] < sd[1] < sd[2]


def test_seasonal_naive_repeats_last_season():
    y = np.tile([1.0, 2.0, 3.0, 4.0], 3)
    mean, sd = bl.SeasonalNaive(season_length=4).fit(y).predict(6)
    assert mean.tolist() == [1.0, 2.0, 3.0, 4.0, 1.0, 2.0]
    assert sd.tolist() == [0.0] * 6  # a perfect pattern has no error


def test_window_and_historic_average():
    y = np.array([0.0, 0.0, 4.0, 8.0])
    assert bl.WindowAverage(window=2).fit(y).predict(1)[0][0] == 6.0
    assert bl.WindowAverage(window=0).fit(y).predict(1)[0][0] == 3.0


def test_ses_on_a_constant_series_is_the_constant():
    mean, _ = bl.SES().fit(np.full(20, 7.0)).predict(4)
    assert np.allclose(mean, 7.0)


@pytest.mark.parametrize("model", [bl.Theta(), bl.DampedTrend()])
def test_trend_models_follow_a_straight_line_upwards(model):
    y = 10 + 2.0 * np.arange(60)
    mean, _ = model.fit(y).predict(5)
    assert mean[0] > y[-1] and mean[-1] > mean[0]


def test_croston_rate_on_regular_intermittent_demand():
    y = np.tile([0.0, 0.0, 0.0, 8.0], 10)  # 8 units every 4 periods: 2 per period
    assert bl.Croston(variant="classic").fit(y).predict(1)[0][0] == pytest.approx(2.0)
    assert bl.Croston(variant="sba").fit(y).predict(1)[0][0] == pytest.approx(2.0 * 0.95)
    assert bl.TSB().fit(y).predict(1)[0][0] == pytest.approx(2.0, rel=0.35)


@pytest.mark.parametrize("cls", list(bl.REGISTRY.values()))
def test_state_round_trip_gives_the_same_forecast(cls):
    y = np.abs(np.sin(np.arange(80))) * 10
    model = cls().fit(y)
    again = bl.baseline_from_state(model.to_state())
    for a, b in zip(model.predict(5), again.predict(5), strict=True):
        assert np.allclose(a, b)
