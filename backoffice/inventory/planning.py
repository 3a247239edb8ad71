"""Per-SKU inventory decisions from the stored forecasts and the stock on hand, each with a one-line reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.forecast.store import ForecastStore
from backoffice.inventory import formulas as f
from backoffice.inventory.settings import InventorySettings, SupplyTerms, load_terms
from backoffice.models import Product

MODEL_NAMES = {
    "historic_average": "the average of all past weeks",
    "moving_average": "the average of recent weeks",
    "naive": "last week's sales",
    "seasonal_naive": "the same weeks last year",
    "ses": "exponential smoothing",
    "theta": "the Theta method",
    "damped": "a damped trend",
    "combination": "a blend of smoothing methods",
    "croston": "Croston's method for irregular sales",
    "sba": "Croston's method for irregular sales",
    "tsb": "the TSB method for irregular sales",
    "prophet": "Prophet (trend, holidays and promotions)",
}


def model_name(model: str) -> str:
    """How a sentence names a model (``a+b`` is a blend of both)."""
    parts = [MODEL_NAMES.get(part, part) for part in model.split("+") if part]
    if len(parts) <= 1:
        return parts[0] if parts else "the stored forecast"
    return "a blend of " + ", ".join(parts[:-1]) + " and " + parts[-1]


@dataclass(frozen=True)
class DailyDemand:
    """Expected demand per day from ``start`` for a set of SKUs (rows) and days (columns)."""

    skus: list[str]
    start: date
    mean: np.ndarray
    var: np.ndarray
    models: dict[str, str]

    def row(self, sku: str) -> int:
        return self.skus.index(sku)


def daily_demand(forecast: pd.DataFrame, start: date, days: int, period_days: int = 7) -> DailyDemand:
    """Spread each period's forecast evenly over its days; keep the ``days`` days from ``start`` on."""
    skus = sorted(forecast["unique_id"].unique())
    index = {sku: i for i, sku in enumerate(skus)}
    mean, var = np.zeros((len(skus), days)), np.zeros((len(skus), days))
    rows = forecast["unique_id"].map(index).to_numpy(dtype=np.int64)
    offsets = (forecast["ds"] - pd.Timestamp(start)).dt.days.to_numpy(dtype=np.int64)
    sd = f.sd_from_interval(forecast["yhat_lo"].to_numpy(), forecast["yhat_hi"].to_numpy())
    per_day_mean = forecast["yhat"].to_numpy() / period_days
    per_day_var = sd**2 / period_days
    for k in range(period_days):
        day = offsets + k
        keep = (day >= 0) & (day < days)
        np.add.at(mean, (rows[keep], day[keep]), per_day_mean[keep])
        np.add.at(var, (rows[keep], day[keep]), per_day_var[keep])
    models = forecast.drop_duplicates("unique_id").set_index("unique_id")["model"].to_dict() \
        if "model" in forecast else {}
    return DailyDemand(skus, start, mean, var, models)


@dataclass(frozen=True)
class UnitsForecast:
    """Units expected to sell in the next ``days`` days, with an 80% range."""

    sku: str
    title: str
    start: date
    end: date
    units: float
    low: float
    high: float
    model: str
    sentence: str


@dataclass(frozen=True)
class InventoryPlan:
    """Safety stock, reorder point, projected stock-out and suggested order of one SKU, each with its reason."""

    sku: str
    title: str
    on_hand: int
    terms: SupplyTerms
    lead_time_demand: float
    safety_stock: float
    reorder_point: float
    order_up_to: float
    order_quantity: int
    stockout_date: date | None
    safety_stock_sentence: str
    reorder_point_sentence: str
    stockout_sentence: str
    order_sentence: str

    @property
    def needs_order(self) -> bool:
        return self.order_quantity > 0


@dataclass(frozen=True)
class StockoutRisk:
    """A SKU expected to run out within the window asked about."""

    sku: str
    title: str
    on_hand: int
    stockout_date: date
    days_left: int
    expected_demand: float
    sentence: str


@dataclass(frozen=True)
class ReorderSuggestion:
    """A SKU at or below its reorder point, and how much to order."""

    sku: str
    title: str
    on_hand: int
    reorder_point: float
    quantity: int
    stockout_date: date | None
    supplier: str
    sentence: str


def _today(today: date | None) -> date:
    return today or datetime.now(UTC).date()


def _units(value: float) -> str:
    return f"{round(value):,}"


def _day(value: date) -> str:
    return f"{value:%a} {value.day} {value:%B}"


def _products(session: Session, skus: list[str] | None = None) -> dict[str, Product]:
    query = select(Product)
    if skus is not None:
        query = query.where(Product.sku.in_(skus))
    return {p.sku.upper(): p for p in session.scalars(query)}


class Planner:
    """Inventory decisions for every SKU with a stored forecast (settings and supplier terms read once)."""

    def __init__(self, session: Session, store: ForecastStore | None = None,
                 settings: InventorySettings | None = None, today: date | None = None) -> None:
        self.session = session
        self.store = store or ForecastStore.default()
        self.default_terms, self.terms = load_terms(settings or InventorySettings())
        self.today = _today(today)
        self.period_days = 1 if self.store.meta().get("freq") == "D" else 7

    def terms_for(self, sku: str) -> SupplyTerms:
        return self.terms.get(sku.upper(), self.default_terms)

    def demand(self, days: int, sku: str | None = None) -> DailyDemand:
        forecast = self.store.forecast(sku)
        return daily_demand(forecast, self.today, days, self.period_days)

    # ------------------------------------------------------------------------------------------ one SKU

    def units(self, sku: str, weeks: int = 4) -> UnitsForecast | None:
        """Units expected to sell in the next ``weeks`` weeks (from today), or None without a forecast."""
        days = 7 * weeks
        demand = self.demand(days, sku)
        if not demand.skus:
            return None
        code = demand.skus[0]
        product = _products(self.session, [code]).get(code.upper())
        title = product.title if product else code
        units, sd = f.span_demand(demand.mean[0], demand.var[0], days)
        z80 = f.z_value(0.9)
        low, high = max(0.0, units - z80 * sd), units + z80 * sd
        end = self.today + timedelta(days=days - 1)
        model = demand.models.get(code, "")
        sentence = (f"We expect to sell about {_units(units)} × {title} ({code}) in the next {weeks} week"
                    f"{'s' if weeks != 1 else ''} ({_day(self.today)} to {_day(end)}), most likely between "
                    f"{_units(low)} and {_units(high)}; forecast by {model_name(model)}.")
        return UnitsForecast(code, title, self.today, end, units, low, high, model, sentence)

    def plan(self, sku: str, demand: DailyDemand | None = None, product: Product | None = None) -> InventoryPlan | None:
        """Safety stock, reorder point, stock-out date and order quantity for ``sku``."""
        terms = self.terms_for(sku)
        horizon = max(terms.lead_time_days + terms.review_days, 7 * 26)
        demand = demand if demand is not None and sku in demand.skus else self.demand(horizon, sku)
        if sku not in demand.skus:
            matches = [s for s in demand.skus if s.upper() == sku.upper()]
            if not matches:
                return None
            sku = matches[0]
        product = product or _products(self.session, [sku]).get(sku.upper())
        if product is None:
            return None
        return self._plan(sku, product, terms, demand)

    def _plan(self, sku: str, product: Product, terms: SupplyTerms, demand: DailyDemand) -> InventoryPlan:
        i = demand.row(sku)
        mean, var = demand.mean[i], demand.var[i]
        lead, cover = terms.lead_time_days, terms.lead_time_days + terms.review_days
        mu_l, sd_l = f.span_demand(mean, var, lead)
        mu_s, sd_s = f.span_demand(mean, var, cover)
        ss = f.safety_stock(sd_l, terms.service_level)
        rop = mu_l + ss
        up_to = f.reorder_point(mu_s, sd_s, terms.service_level)
        on_hand = int(product.stock_on_hand)
        position = on_hand + terms.on_order
        qty = f.order_quantity(up_to, on_hand, terms.on_order, terms.pack_size, terms.minimum_order) \
            if position <= rop and mu_s > 0 else 0
        out = f.stockout_day(on_hand, mean) if mean.sum() > 0 or on_hand <= 0 else None
        out_date = self.today + timedelta(days=out) if out is not None else None
        level = f"{terms.service_level:.0%}"
        safety = (f"Safety stock {_units(ss)}: it covers demand above the expected {_units(mu_l)} during the "
                  f"{lead}-day lead time in {level} of cases.")
        reorder = (f"Reorder point {_units(rop)}: the expected {_units(mu_l)} sold during the {lead}-day lead time "
                   f"plus {_units(ss)} safety stock.")
        if out == 0:
            stockout = f"{product.title} ({sku}) is out of stock now."
        elif out is not None and out_date is not None:
            stockout = (f"At about {mean[: max(out, 1)].mean():.1f} a day, the {on_hand:,} on hand run out around "
                        f"{_day(out_date)} (in {out} days).")
        else:
            stockout = f"The {on_hand:,} on hand last beyond the {mean.shape[0]} days the forecast covers."
        on_order = f" and {terms.on_order:,} on order" if terms.on_order else ""
        if qty:
            packs = f" ({qty // terms.pack_size} packs of {terms.pack_size})" if terms.pack_size > 1 else ""
            order = (f"Order {qty:,}{packs} now: {on_hand:,} on hand{on_order} is at or below the reorder point of "
                     f"{_units(rop)}, and this brings stock up to cover the {cover} days of lead time and review "
                     f"at a {level} service level.")
        else:
            order = (f"No order needed: {on_hand:,} on hand{on_order} is above the reorder point of {_units(rop)}."
                     if position > rop else f"No order needed: no sales are expected in the next {cover} days.")
        return InventoryPlan(sku, product.title, on_hand, terms, mu_l, ss, rop, up_to, qty, out_date,
                             safety, reorder, stockout, order)

    # ------------------------------------------------------------------------------------------ all SKUs

    def plans(self) -> list[InventoryPlan]:
        """A plan for every SKU that has both a forecast and a product."""
        longest = max([t.lead_time_days + t.review_days for t in [self.default_terms, *self.terms.values()]])
        demand = self.demand(max(longest, 7 * 26))
        products = _products(self.session)
        plans = []
        for sku in demand.skus:
            product = products.get(sku.upper())
            if product is not None:
                plans.append(self._plan(sku, product, self.terms_for(sku), demand))
        return plans

    def stockout_risks(self, days: int = 14) -> list[StockoutRisk]:
        """SKUs expected to run out within ``days`` days (out of stock now included), soonest first."""
        risks = []
        demand = self.demand(7 * 26)
        for plan in self.plans():
            if plan.stockout_date is None or (plan.stockout_date - self.today).days >= days:
                continue
            row = demand.row(plan.sku)
            expected = float(demand.mean[row, :days].sum())
            if plan.on_hand <= 0 and expected < 0.5:
                continue  # out of stock, but nobody is expected to want it
            days_left = (plan.stockout_date - self.today).days
            sentence = (f"{plan.title} ({plan.sku}) is out of stock now; about {_units(expected)} are expected to "
                        f"sell in the next {days} days." if days_left == 0 else
                        f"{plan.title} ({plan.sku}): {plan.on_hand:,} on hand, about {_units(expected)} expected to "
                        f"sell in the next {days} days, so it runs out around {_day(plan.stockout_date)}.")
            risks.append(StockoutRisk(plan.sku, plan.title, plan.on_hand, plan.stockout_date, days_left,
                                      expected, sentence))
        return sorted(risks, key=lambda r: (r.stockout_date, -r.expected_demand, r.sku))

    def reorder_suggestions(self) -> list[ReorderSuggestion]:
        """SKUs to reorder today (stock at or below the reorder point), the soonest to run out first."""
        far = self.today + timedelta(days=10_000)
        suggestions = [
            ReorderSuggestion(p.sku, p.title, p.on_hand, p.reorder_point, p.order_quantity, p.stockout_date,
                              p.terms.supplier, f"{p.title} ({p.sku}): {p.order_sentence}")
            for p in self.plans() if p.needs_order
        ]
        return sorted(suggestions, key=lambda s: (s.stockout_date or far, -s.quantity, s.sku))
