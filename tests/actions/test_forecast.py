"""Operator forecast skills: the right product, the time span asked for, the chart; refused to anyone else."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.deps import Deps
from actions.forecast import ActionForecastUnits, ActionReorderSuggestions, ActionShowForecast, ActionStockoutRisks
from backoffice.models import Product
from tests.actions.conftest import responses, signed, tracker

OPERATOR = signed(None, role="operator")


@pytest.fixture
def forecasts(deps: Deps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Weekly forecasts from the test clock's week: 70 a week for the mug (95 in stock), none for the lamp."""
    with deps.session() as session:
        session.add_all([Product(sku="90001", title="Enamel Camping Mug", price=Decimal("3"), stock_on_hand=95),
                         Product(sku="90002", title="Brass Desk Lamp", price=Decimal("30"), stock_on_hand=5)])
    start = pd.Timestamp(deps.clock().date()) - pd.Timedelta(days=deps.clock().weekday())
    root = tmp_path / "forecasts"
    root.mkdir()
    pd.DataFrame({"unique_id": "90001", "ds": pd.date_range(start, periods=26, freq="7D"), "yhat": 70.0,
                  "yhat_lo": 57.0, "yhat_hi": 83.0, "model": "prophet"}).to_csv(root / "forecast.csv", index=False)
    pd.DataFrame({"unique_id": "90001", "ds": pd.date_range(start - pd.Timedelta(weeks=26), periods=26, freq="7D"),
                  "y": 65.0}).to_csv(root / "history.csv", index=False)
    (root / "meta.json").write_text(json.dumps({"freq": "W"}))
    monkeypatch.setenv("SHOPDESK_FORECAST_DIR", str(root))


async def run(action: object, text: str, metadata: dict[str, object] | None = OPERATOR) -> CollectingDispatcher:
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, tracker(intent="x", text=text, metadata=metadata), {})  # type: ignore[attr-defined]
    return dispatcher


@pytest.mark.parametrize("action", [ActionForecastUnits(), ActionStockoutRisks(), ActionReorderSuggestions(),
                                    ActionShowForecast()])
async def test_shoppers_and_agents_are_refused(forecasts: None, action: object) -> None:
    for metadata in ({}, signed(101), signed(None, role="agent")):
        assert responses(await run(action, "how many camping mugs will we sell?", metadata)) == ["utter_operator_only"]


async def test_units_for_the_named_product_and_span(forecasts: None) -> None:
    dispatcher = await run(ActionForecastUnits(), "how many camping mugs will we sell in the next two weeks?")
    assert responses(dispatcher) == ["utter_forecast_units"]
    sentence = dispatcher.messages[0]["sentence"]
    assert "Enamel Camping Mug" in sentence and "140" in sentence


async def test_a_product_without_forecast_or_unknown_is_said_plainly(forecasts: None) -> None:
    dispatcher = await run(ActionForecastUnits(), "how many 90002 will we sell?")
    assert responses(dispatcher) == ["utter_no_forecast"]
    assert dispatcher.messages[0]["title"] == "Brass Desk Lamp"
    assert responses(await run(ActionForecastUnits(), "how many unicorns will we sell?")) == ["utter_which_product"]


async def test_stockouts_and_reorders_list_the_mug(forecasts: None) -> None:
    risks = await run(ActionStockoutRisks(), "what will run out in the next 14 days?")
    assert responses(risks) == ["utter_stockouts"]
    assert risks.messages[0]["days"] == 14 and "90001" in risks.messages[0]["lines"]
    reorders = await run(ActionReorderSuggestions(), "what should I reorder today?")
    assert responses(reorders) == ["utter_reorders"] and "90001" in reorders.messages[0]["lines"]


async def test_chart_is_an_inline_png(forecasts: None) -> None:
    dispatcher = await run(ActionShowForecast(), "show me the forecast for the camping mug")
    assert responses(dispatcher) == ["utter_forecast_chart"]
    image = dispatcher.messages[0]["image"]
    assert image.startswith("data:image/png;base64,")
    assert base64.b64decode(image.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
