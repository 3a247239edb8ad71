"""Inventory formulas on cases worked out by hand."""

import math

import numpy as np
import pytest

from backoffice.inventory import formulas as f


def test_z_values():
    assert f.z_value(0.95) == pytest.approx(1.6449, abs=1e-4)
    assert f.z_value(0.5) == 0
    with pytest.raises(ValueError):
        f.z_value(95)


def test_sd_from_an_80_percent_interval():
    # 80% interval 70 +- 12.8155 is a normal with sd 10
    assert f.sd_from_interval(np.array([70 - 12.8155]), np.array([70 + 12.8155]))[0] == pytest.approx(10, abs=1e-3)


def test_lead_time_demand_safety_stock_and_reorder_point():
    # 70 a week with sd 10 -> 10 a day, variance 100/7 a day; over a 14-day lead time: mean 140, sd sqrt(200)
    daily_mean, daily_var = np.full(30, 10.0), np.full(30, 100 / 7)
    mean, sd = f.span_demand(daily_mean, daily_var, 14)
    assert mean == pytest.approx(140) and sd == pytest.approx(math.sqrt(200))
    assert f.safety_stock(sd, 0.95) == pytest.approx(1.6449 * 14.1421, abs=1e-3)  # 23.26
    assert f.reorder_point(mean, sd, 0.95) == pytest.approx(163.26, abs=0.01)
    assert f.safety_stock(sd, 0.5) == 0


def test_order_quantity_rounds_up_to_packs_and_minimum():
    assert f.order_quantity(up_to=250.3, on_hand=100, on_order=20, pack_size=12) == 132  # 130.3 -> 11 packs
    assert f.order_quantity(up_to=250.3, on_hand=100) == 151
    assert f.order_quantity(up_to=110, on_hand=100, minimum=48) == 48
    assert f.order_quantity(up_to=90, on_hand=100) == 0
    assert f.order_quantity(up_to=120, on_hand=100, pack_size=10) == 20  # exactly two packs, no third


def test_stockout_day():
    assert f.stockout_day(25, np.full(10, 10.0)) == 2   # 10, 20, 30 > 25 on the third day
    assert f.stockout_day(30, np.full(10, 10.0)) == 3   # 30 is not more than 30; day four is
    assert f.stockout_day(0, np.full(10, 10.0)) == 0
    assert f.stockout_day(500, np.full(10, 10.0)) is None
