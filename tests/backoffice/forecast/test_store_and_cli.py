import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from backoffice.forecast import Forecaster
from backoffice.forecast.__main__ import main
from backoffice.forecast.demand import weekly_demand
from backoffice.forecast.store import ForecastStore
from backoffice.models import Customer, Order, OrderLine, Product


def test_store_round_trip(tmp_path, small_table):
    forecaster = Forecaster("W", models=["historic_average", "ses", "sba"], backtest_h=4, country=None)
    forecast = forecaster.fit_predict(small_table, 5)
    store = ForecastStore(tmp_path / "fc")
    store.save(forecaster, small_table, forecast, made_at=datetime(2026, 11, 28, 3, 0))
    assert store.meta()["series"] == 3
    assert json.loads((tmp_path / "fc" / "models" / "A.json").read_text())["model"] == forecaster.fits_["A"].model
    pd.testing.assert_frame_equal(store.load_forecaster().predict(5), forecaster.predict(5))
    assert store.forecast("a")["unique_id"].unique().tolist() == ["A"]
    assert len(store.history("B")) == 40


def test_store_without_forecasts_says_what_to_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="make forecast"):
        ForecastStore(tmp_path).forecast("A")


def test_batch_cli_end_to_end(tmp_path, small_table, capsys):
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    small_table.assign(ds=small_table["ds"].dt.strftime("%Y-%m-%d")).to_csv(source, index=False)
    code = main(["batch", "--input", str(source), "--horizon", "3", "--freq", "W", "--out", str(out),
                 "--models", "historic_average,naive,ses,sba", "--country", "", "--jobs", "1"])
    assert code == 0
    result = pd.read_csv(out)
    assert list(result.columns) == ["unique_id", "ds", "yhat", "yhat_lo", "yhat_hi"]
    assert len(result) == 9
    assert result.loc[result["unique_id"] == "A", "ds"].tolist() == ["2024-10-07", "2024-10-14", "2024-10-21"]
    assert (result["yhat_lo"] <= result["yhat"]).all() and (result["yhat"] <= result["yhat_hi"]).all()
    assert "3 series" in capsys.readouterr().err


def test_weekly_demand_from_the_store(session):
    customer = Customer(email="w@example.com", name="W", country="United Kingdom", created_at=datetime(2026, 1, 1))
    mug = Product(sku="MUG1", title="Mug", price=Decimal("3.00"), stock_on_hand=5)
    session.add_all([customer, mug])

    def order(number: str, at: datetime, qty: int, status: str = "delivered") -> None:
        o = Order(number=number, customer=customer, email=customer.email, status=status, placed_at=at,
                  total=Decimal("1"), ship_line1="x", ship_city="x", ship_postcode="x", ship_country="x")
        o.lines.append(OrderLine(product=mug, quantity=qty, unit_price=Decimal("3.00")))
        session.add(o)

    monday = datetime(2026, 11, 2, 10)
    order("1", monday, 3)
    order("2", monday + timedelta(days=6), 2)       # Sunday, same week
    order("3", monday + timedelta(days=14), 4)      # two weeks later; the week between sold nothing
    order("4", monday + timedelta(days=15), 9, status="cancelled")
    order("5", monday + timedelta(days=21), 7)      # the current week: incomplete, left out
    session.commit()
    table = weekly_demand(session, date(2026, 11, 25))
    assert table["ds"].dt.date.astype(str).tolist() == ["2026-11-02", "2026-11-09", "2026-11-16"]
    assert table["y"].tolist() == [5.0, 0.0, 4.0]
