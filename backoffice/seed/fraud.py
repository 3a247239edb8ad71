"""Payment cards, devices and delivery addresses for every order, and SIMULATED fraud for the demo shop.

The UCI Online Retail history has no fraud labels, so the demo injects made-up fraudulent orders following the
three scenarios of the Fraud Detection Handbook (Le Borgne et al., 2022):

1. ``large_amount``: an order far larger than anything the shop usually sees, on an ordinary account;
2. ``compromised_instrument``: a stolen payment card is used on several other accounts for two weeks, from the
   fraudster's device, shipped to a drop address;
3. ``leaked_credentials``: a customer's log-in leaks and, for two weeks, orders about five times their usual size
   are placed on their account from a new device to a new address.

Every injected order has a number starting with 9 and a ``fraud_labels`` row with ``simulated=True`` and its
scenario; the label becomes known ``LABEL_DELAY_DAYS`` after the order (the chargeback), as in the Handbook.
Nothing here is random: choices are stable hashes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from statistics import median
from typing import Any

from backoffice.seed.fake import CITIES, DEFAULT_STREETS, FALLBACK_CITIES, STREETS, fill_template, pick, stable
from backoffice.seed.plan import CustomerPlan, OrderPlan

LABEL_DELAY_DAYS = 7
SCENARIOS = {
    "large_amount": "Handbook scenario 1: an unusually large amount",
    "compromised_instrument": "Handbook scenario 2: a compromised payment card used on other accounts",
    "leaked_credentials": "Handbook scenario 3: leaked log-in credentials, amounts about five times the usual",
}
WARM_UP_DAYS = 40  # history the rolling windows need before the first simulated fraud
FIRST_NUMBER = 900001


@dataclass(frozen=True)
class DropAddress:
    """Where a fraudster ships to."""

    line1: str
    city: str
    postcode: str
    country: str

    @property
    def id(self) -> str:
        return f"addr-drop-{stable(self.line1, self.postcode) % 16**8:08x}"


def instrument_id(customer_id: int, k: int) -> str:
    return f"card-{stable(customer_id, 'card', k) % 16**10:010x}"


def device_id(customer_id: int, k: int) -> str:
    return f"dev-{stable(customer_id, 'device', k) % 16**10:010x}"


def address_id(customer_id: int) -> str:
    return f"addr-{stable(customer_id, 'address') % 16**10:010x}"


def assign_entities(orders: Sequence[OrderPlan]) -> None:
    """Every real order gets the customer's card (most use their first of 1-3), device (1-2) and address."""
    for plan in orders:
        cid, key = plan.customer_id, plan.number
        cards = 1 + stable(cid, "cards") % 3
        card = 0 if stable(key, "card") % 100 < 75 else stable(key, "card-k") % cards
        devices = 1 + stable(cid, "devices") % 2
        plan.instrument_id = instrument_id(cid, card)
        plan.device_id = device_id(cid, stable(key, "device") % devices)
        plan.address_id = address_id(cid)


def _drop(*parts: object) -> DropAddress:
    city, template = pick(CITIES.get("United Kingdom", FALLBACK_CITIES), *parts, "drop-city")
    streets, _ = STREETS.get("United Kingdom", DEFAULT_STREETS)
    street = pick(streets, *parts, "drop-street")
    unit = 1 + stable(*parts, "drop-unit") % 60
    return DropAddress(f"Unit {unit}, {street}", city, fill_template(template, *parts, "drop-pc"), "United Kingdom")


def _lines(products: Sequence[dict[str, Any]], target: Decimal, *parts: object) -> dict[tuple[str, Decimal], int]:
    """Three catalogue lines whose total is close to ``target``."""
    chosen = [pick(products, *parts, "product", i) for i in range(3)]
    lines: dict[tuple[str, Decimal], int] = {}
    for row in chosen:
        price = Decimal(row["price"])
        qty = max(1, int(target / 3 / price)) if price > 0 else 1
        lines[(row["sku"], price)] = lines.get((row["sku"], price), 0) + qty
    return lines


def inject_fraud(orders: list[OrderPlan], customers: dict[int, CustomerPlan], products: Sequence[dict[str, Any]],
                 now: datetime) -> list[OrderPlan]:
    """All orders, real and simulated, re-numbered by placement time (ids are order positions)."""
    if not orders:
        return orders
    sellable = [row for row in products if Decimal(row["price"]) >= Decimal("0.5")]
    history: dict[int, list[OrderPlan]] = defaultdict(list)
    for plan in orders:
        history[plan.customer_id].append(plan)
    regulars = sorted(cid for cid, plans in history.items() if len(plans) >= 3)
    totals = sorted(plan.total for plan in orders)
    p99 = totals[int(len(totals) * 0.99)]
    start = orders[0].placed_at.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=WARM_UP_DAYS)
    days = (now - start).days
    made: list[OrderPlan] = []

    def add(customer_id: int, at: datetime, total: Decimal, scenario: str, card: str, device: str,
            drop: DropAddress | None) -> None:
        if at >= now:
            return
        number = str(FIRST_NUMBER + len(made))
        plan = OrderPlan(0, number, customer_id, at.replace(microsecond=0))
        plan.lines = _lines(sellable, total, number)
        plan.total = sum((qty * price for (_, price), qty in plan.lines.items()), Decimal("0.00"))
        plan.instrument_id, plan.device_id = card, device
        plan.address_id = drop.id if drop else address_id(customer_id)
        plan.ship = (drop.line1, drop.city, drop.postcode, drop.country) if drop else None
        plan.fraud_scenario = scenario
        made.append(plan)

    def moment(day: int, *parts: object) -> datetime:
        return start + timedelta(days=day, seconds=stable(*parts, "second") % 86_400)

    for day in range(0, days, 5):  # 1: large amounts
        cid = pick(regulars, day, "s1")
        known = history[cid][0]
        add(cid, moment(day, "s1"), p99 * Decimal(12 + stable(day, "s1x") % 9) / 10, "large_amount",
            known.instrument_id or instrument_id(cid, 0), known.device_id or device_id(cid, 0), None)
    for day in range(2, days, 14):  # 2: a compromised card used on other accounts
        victim = pick(regulars, day, "s2")
        card, device, drop = instrument_id(victim, 0), f"dev-ring-{day:04d}", _drop(day, "s2")
        typical = median(p.total for p in history[victim])
        for k in range(4 + stable(day, "s2n") % 3):
            cid = pick(regulars, day, "s2c", k)
            add(cid, moment(day + stable(day, k, "s2d") % 14, day, k, "s2"),
                typical * Decimal(5 + stable(day, k, "s2a") % 15) / 10, "compromised_instrument", card, device, drop)
    for day in range(4, days, 8):  # 3: leaked credentials, amounts about five times the usual
        victim = pick(regulars, day, "s3")
        typical = sum((p.total for p in history[victim]), Decimal("0.00")) / len(history[victim])
        device, drop = f"dev-ato-{day:04d}", _drop(day, "s3")
        for k in range(2 + stable(day, "s3n") % 3):
            add(victim, moment(day + stable(day, k, "s3d") % 14, day, k, "s3"),
                typical * Decimal(4 + stable(day, k, "s3a") % 3), "leaked_credentials",
                instrument_id(victim, 0), device, drop)
    ranked = sorted([*orders, *made], key=lambda plan: (plan.placed_at, plan.number))
    for order_id, plan in enumerate(ranked, start=1):
        plan.id = order_id
    return ranked


def label_rows(orders: Sequence[OrderPlan]) -> list[dict[str, Any]]:
    """``fraud_labels`` rows for the simulated orders (known after the label delay)."""
    rows = []
    for plan in orders:
        if plan.fraud_scenario is None:
            continue
        known = plan.placed_at + timedelta(days=LABEL_DELAY_DAYS)
        rows.append({"order_id": plan.id, "is_fraud": True, "source": "simulated", "simulated": True,
                     "scenario": plan.fraud_scenario, "reason": f"SIMULATED fraud. {SCENARIOS[plan.fraud_scenario]}.",
                     "staff_id": None, "created_at": known, "known_at": known})
    return rows


@dataclass
class Screening:
    """The demo model trained during the seed, and what it did to the seeded orders."""

    bundle: Any  # backoffice.fraud.pipeline.Bundle
    simulated: int
    trained_on: int
    held: int


def screen(orders: Sequence[OrderPlan], now: datetime) -> Screening | None:
    """Train the demo model, score every order as of its placement and hold the risky recent ones.

    The model learns from orders whose labels are known (older than the delay); orders of the last
    ``SCREEN_DAYS`` at or above the threshold are held. None if there are too few frauds to train.
    """
    import pandas as pd

    from backoffice.fraud.pipeline import ANOMALY_MIN_PROBABILITY, score_labelled, train
    from backoffice.fraud.shop import DEMO_PARAMS, SCREEN_DAYS, SHOP_SPEC, reviews_per_day

    frame = pd.DataFrame({
        "TRANSACTION_ID": [p.id for p in orders], "TX_DATETIME": [p.placed_at for p in orders],
        "CUSTOMER_ID": [p.customer_id for p in orders], "INSTRUMENT_ID": [p.instrument_id for p in orders],
        "DEVICE_ID": [p.device_id for p in orders], "ADDRESS_ID": [p.address_id for p in orders],
        "TX_AMOUNT": [float(p.total) for p in orders],
        "TX_FRAUD": [1.0 if p.fraud_scenario else 0.0 for p in orders],
    })
    settled = frame["TX_DATETIME"] <= now - timedelta(days=LABEL_DELAY_DAYS)
    known = frame.assign(TX_FRAUD=frame["TX_FRAUD"].where(settled))  # labels of the last days are not known yet
    if known["TX_FRAUD"].sum() < 20:
        return None
    bundle = train(known, SHOP_SPEC, reviews_per_day=reviews_per_day(), params=DEMO_PARAMS)
    probabilities, features = score_labelled(bundle, frame)
    unusual = bundle.model.anomaly_score(features) if bundle.anomaly_threshold is not None else None
    since = now - timedelta(days=SCREEN_DAYS)
    explain_since = now - timedelta(days=30)
    held = 0
    for i, plan in enumerate(orders):
        plan.fraud_score = round(float(probabilities[i]), 6)
        risky = plan.fraud_score >= bundle.threshold or (
            unusual is not None and bundle.anomaly_threshold is not None and unusual[i] >= bundle.anomaly_threshold
            and plan.fraud_score >= bundle.threshold * ANOMALY_MIN_PROBABILITY)
        if risky and plan.placed_at >= explain_since:
            plan.fraud_reasons = bundle.judge(features[i], placed_at=plan.placed_at).reasons
        if risky and plan.placed_at >= since and plan.fully_refunded_at is None:
            plan.fraud_hold = True
            held += 1
    simulated = sum(1 for p in orders if p.fraud_scenario)
    return Screening(bundle, simulated, int(settled.sum()), held)
