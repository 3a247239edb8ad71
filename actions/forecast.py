"""Operator skills on demand forecasts and stock: units to sell, what runs out, what to reorder, a chart."""

from __future__ import annotations

import base64
import logging

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.deps import get_deps
from actions.operator import OperatorAction
from actions.parsing import days_in
from backoffice.catalog import find_products
from backoffice.inventory import forecast_chart, forecast_units, reorder_suggestions, stockout_risks

log = logging.getLogger(__name__)
LIST_LIMIT = 10


def _text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "")


class ActionForecastUnits(OperatorAction):
    """"How many hand warmers will we sell in the next four weeks?"."""

    def name(self) -> str:
        return "action_forecast_units"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        weeks = max(1, round(days_in(_text(tracker), 28) / 7))
        with get_deps().session() as session:
            products = find_products(session, _text(tracker))
            if not products:
                dispatcher.utter_message(response="utter_which_product")
                return
            product = products[0]
            found = forecast_units(session, product.sku, weeks, today=get_deps().clock().date())
        if found is None:
            dispatcher.utter_message(response="utter_no_forecast", sku=product.sku, title=product.title)
            return
        dispatcher.utter_message(response="utter_forecast_units", sentence=found.sentence)


class ActionStockoutRisks(OperatorAction):
    """"What will run out in the next 14 days?"."""

    def name(self) -> str:
        return "action_stockout_risks"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        days = days_in(_text(tracker), 14)
        with get_deps().session() as session:
            risks = stockout_risks(session, days, today=get_deps().clock().date())
        if not risks:
            dispatcher.utter_message(response="utter_no_stockouts", days=days)
            return
        lines = "\n".join(f"- {risk.sentence}" for risk in risks[:LIST_LIMIT])
        more = f"\n…and {len(risks) - LIST_LIMIT} more." if len(risks) > LIST_LIMIT else ""
        dispatcher.utter_message(response="utter_stockouts", days=days, count=len(risks), lines=lines + more)


class ActionReorderSuggestions(OperatorAction):
    """"What should I reorder today?"."""

    def name(self) -> str:
        return "action_reorder_suggestions"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        with get_deps().session() as session:
            suggestions = reorder_suggestions(session, get_deps().clock().date())
        if not suggestions:
            dispatcher.utter_message(response="utter_no_reorders")
            return
        lines = "\n".join(f"- {s.sentence}" for s in suggestions[:LIST_LIMIT])
        more = f"\n…and {len(suggestions) - LIST_LIMIT} more." if len(suggestions) > LIST_LIMIT else ""
        dispatcher.utter_message(response="utter_reorders", count=len(suggestions), lines=lines + more)


class ActionShowForecast(OperatorAction):
    """"Show me the forecast for 85123A": a chart of history, forecast, 80% band and stock."""

    def name(self) -> str:
        return "action_show_forecast"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        with get_deps().session() as session:
            products = find_products(session, _text(tracker))
            if not products:
                dispatcher.utter_message(response="utter_which_product")
                return
            product = products[0]
            png = forecast_chart(session, product.sku, today=get_deps().clock().date())
        if png is None:
            dispatcher.utter_message(response="utter_no_forecast", sku=product.sku, title=product.title)
            return
        image = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        dispatcher.utter_message(response="utter_forecast_chart", sku=product.sku, title=product.title, image=image)
