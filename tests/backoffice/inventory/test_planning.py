import json
import struct
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from backoffice.forecast.store import ForecastStore
from backoffice.inventory import forecast_chart, forecast_units, reorder_suggestions, stockout_risks
from backoffice.inventory.planning import Planner
from backoffice.inventory.settings import InventorySettings
from backoffice.models import Product

TODAY = date(2026, 11, 30)  # a Monday
Z80 = 1.2815516


def _store(tmp_path) -> ForecastStore:
    """Weekly forecasts from this Monday: 70 a week (sd 10) for FAST, 7 a week (sd 1) for SLOW, 0 for IDLE."""
    weeks = pd.date_range("2026-11-30", periods=26, freq="7D")
    rows = []
    for sku, mean, sd, model in [("FAST", 70, 10, "prophet"), ("SLOW", 7, 1, "sba"), ("IDLE", 0, 0, "naive")]:
        rows.append(pd.DataFrame({"unique_id": sku, "ds": weeks, "yhat": mean, "yhat_lo": mean - Z80 * sd,
                                  "yhat_hi": mean + Z80 * sd, "model": model}))
    root = tmp_path / "fc"
    root.mkdir()
    pd.concat(rows).to_csv(root / "forecast.csv", index=False)
    history = pd.DataFrame({"unique_id": "FAST", "ds": pd.date_range("2026-06-01", periods=26, freq="7D"),
                            "y": [60 + (i % 5) * 5 for i in range(26)]})
    history.to_csv(root / "history.csv", index=False)
    (root / "meta.json").write_text(json.dumps({"freq": "W"}))
    return ForecastStore(root)


@pytest.fixture
def shop(session, tmp_path, monkeypatch):
    session.add_all([
        Product(sku="FAST", title="Fast Mug", price=Decimal("3"), stock_on_hand=95),
        Product(sku="SLOW", title="Slow Lamp", price=Decimal("30"), stock_on_hand=500),
        Product(sku="IDLE", title="Idle Vase", price=Decimal("9"), stock_on_hand=0),
    ])
    session.commit()
    suppliers = tmp_path / "suppliers.yml"
    suppliers.write_text("skus:\n  FAST:\n    pack_size: 12\n")
    monkeypatch.setenv("SHOPDESK_SUPPLIERS_FILE", str(suppliers))
    return session, _store(tmp_path)


def test_plan_matches_the_hand_calculation(shop):
    session, store = shop
    plan = Planner(session, store, InventorySettings(), today=TODAY).plan("fast")
    assert plan is not None
    # lead time 14 days: mean 140, sd sqrt(200) = 14.14; 95%: safety stock 23.26, reorder point 163.26
    assert plan.lead_time_demand == pytest.approx(140, abs=0.01)
    assert plan.safety_stock == pytest.approx(23.26, abs=0.01)
    assert plan.reorder_point == pytest.approx(163.26, abs=0.01)
    # up to level over 14 + 7 days: 210 + 1.6449 * sqrt(300) = 238.49; need 143.49 -> 12 packs of 12
    assert plan.order_up_to == pytest.approx(238.49, abs=0.01)
    assert plan.order_quantity == 144
    # 95 on hand at 10 a day: 100 > 95 on the tenth day
    assert plan.stockout_date == date(2026, 12, 9)
    assert "Safety stock 23" in plan.safety_stock_sentence
    assert "Reorder point 163" in plan.reorder_point_sentence
    assert "Wed 9 December" in plan.stockout_sentence
    assert plan.order_sentence.startswith("Order 144 (12 packs of 12) now")


def test_forecast_units_for_four_weeks(shop):
    session, store = shop
    units = forecast_units(session, "FAST", 4, store=store, today=TODAY)
    assert units is not None
    assert units.units == pytest.approx(280)
    assert units.low == pytest.approx(280 - Z80 * 20, abs=0.01)  # sd over 4 weeks: sqrt(4) * 10
    assert "about 280 × Fast Mug (FAST) in the next 4 weeks" in units.sentence
    assert "Prophet" in units.sentence
    assert forecast_units(session, "NOPE", 4, store=store, today=TODAY) is None


def test_stockout_risks_and_reorder_suggestions(shop):
    session, store = shop
    risks = stockout_risks(session, 14, store=store, today=TODAY)
    assert [r.sku for r in risks] == ["FAST"]  # IDLE is out but nobody wants it; SLOW has 500
    assert risks[0].days_left == 9 and "runs out around Wed 9 December" in risks[0].sentence
    suggestions = reorder_suggestions(session, TODAY, store=store)
    assert [(s.sku, s.quantity) for s in suggestions] == [("FAST", 144)]
    assert suggestions[0].sentence.startswith("Fast Mug (FAST): Order 144")


def test_forecast_chart_is_a_png(shop):
    session, store = shop
    png = forecast_chart(session, "FAST", store=store, today=TODAY)
    assert png is not None and png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (900, 450)
    assert forecast_chart(session, "NOPE", store=store, today=TODAY) is None
