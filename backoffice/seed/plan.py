"""The seed plan in memory: products, customers, orders, refunds, order timelines and statuses."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from backoffice.models import OrderStatus
from backoffice.seed.fake import (
    CARRIER_HUBS,
    CITIES,
    DEFAULT_STREETS,
    FALLBACK_CITIES,
    FIRST_NAMES,
    LAST_NAMES,
    STREETS,
    fill_template,
    pick,
    stable,
    title_case,
)
from backoffice.seed.source import SourceLine

ZERO = Decimal("0.00")
WAREHOUSE = "Shopdesk warehouse, Milton Keynes, United Kingdom"
EUROPE = frozenset(
    {
        "Austria", "Belgium", "Channel Islands", "Cyprus", "Czech Republic", "Denmark", "EIRE", "European Community",
        "Finland", "France", "Germany", "Greece", "Iceland", "Italy", "Lithuania", "Malta", "Netherlands", "Norway",
        "Poland", "Portugal", "Spain", "Sweden", "Switzerland",
    }
)  # fmt: skip


@dataclass
class Timeline:
    """When an order's life-cycle steps happen (some may lie after ``now``)."""

    paid_at: datetime
    packed_at: datetime
    shipped_at: datetime
    in_transit_at: datetime
    out_for_delivery_at: datetime
    delivered_at: datetime
    promised: date
    estimated: date


@dataclass
class OrderPlan:
    """One order being built."""

    id: int
    number: str
    customer_id: int
    placed_at: datetime
    lines: dict[tuple[str, Decimal], int] = field(default_factory=dict)
    total: Decimal = ZERO
    refunded: Decimal = ZERO
    fully_refunded_at: datetime | None = None
    status: str = OrderStatus.PAID
    cancelled_at: datetime | None = None
    timeline: Timeline | None = None
    instrument_id: str | None = None
    device_id: str | None = None
    address_id: str | None = None
    ship: tuple[str, str, str, str] | None = None  # (line1, city, postcode, country) when not the default address
    fraud_scenario: str | None = None  # set on SIMULATED fraud only (backoffice/seed/fraud.py)
    fraud_score: float | None = None
    fraud_reasons: list[str] | None = None
    fraud_hold: bool = False


@dataclass
class RefundPlan:
    """One refund: a cancellation invoice's share on one order."""

    order: OrderPlan
    amount: Decimal
    at: datetime


@dataclass(frozen=True)
class CustomerPlan:
    """A shopper and their default address."""

    id: int
    name: str
    email: str
    country: str
    created_at: datetime
    newsletter: bool
    line1: str
    city: str
    postcode: str


def day_shift(lines: Iterable[SourceLine], today: date) -> timedelta:
    """The whole-day shift that puts the last invoice on ``today - 1 day``."""
    last = max(line.at for line in lines)
    return timedelta(days=(today - timedelta(days=1) - last.date()).days)


def promise_days(country: str) -> int:
    """Promised delivery time in days: UK 2, Europe 5, elsewhere 8."""
    if country == "United Kingdom":
        return 2
    return 5 if country in EUROPE else 8


# --------------------------------------------------------------------------------------------- products


def build_products(lines: Sequence[SourceLine], shift: timedelta, now: datetime) -> list[dict[str, Any]]:
    """One product per StockCode, ids in SKU order."""
    descriptions: dict[str, Counter[str]] = defaultdict(Counter)
    prices: dict[str, Counter[Decimal]] = defaultdict(Counter)
    recent_units: Counter[str] = Counter()
    recent_since = now - timedelta(days=28)
    for line in lines:
        descriptions[line.sku][line.description.strip()] += 1
        if not line.is_cancellation:
            prices[line.sku][line.price] += 1
            if line.at + shift >= recent_since:
                recent_units[line.sku] += line.quantity
    rows = []
    for product_id, sku in enumerate(sorted(descriptions), start=1):
        title = _product_title(sku, descriptions[sku])
        rows.append(
            {
                "id": product_id,
                "sku": sku,
                "title": title,
                "description": f"{title}. Sold by the unit; ships from our UK warehouse.",
                "price": _most_common_price(prices[sku] or Counter({Decimal("1.00"): 1})),
                "stock_on_hand": stock_level(sku, recent_units[sku]),
            }
        )
    return rows


def _product_title(sku: str, descriptions: Counter[str]) -> str:
    """The most common catalogue description (notes in lower case such as ``damaged`` lose to real ones)."""
    ranked = sorted(descriptions.items(), key=lambda item: (item[0] != item[0].upper(), -item[1], item[0]))
    title = title_case(ranked[0][0]) if ranked and ranked[0][0] else ""
    return title[:200] or f"Item {sku}"


def _most_common_price(prices: Counter[Decimal]) -> Decimal:
    return min(prices.items(), key=lambda item: (-item[1], item[0]))[0]


def stock_level(sku: str, units_last_4_weeks: int) -> int:
    """Stock on hand: a stable number of weeks of cover at the recent sales rate; about 7% are out of stock."""
    if stable(sku, "stockout") % 100 < 7:
        return 0
    if units_last_4_weeks == 0:
        return stable(sku, "idle") % 40
    weekly = units_last_4_weeks / 4
    cover_weeks = 1 + stable(sku, "cover") % 6
    return round(weekly * cover_weeks) + stable(sku, "spare") % 12


# --------------------------------------------------------------------------------------------- customers


def choose_customers(orders: Sequence[SourceLine], limit: int | None) -> set[int]:
    """Every customer with an order, or the ``limit`` whose latest order is most recent."""
    latest: dict[int, datetime] = {}
    for line in orders:
        if line.at > latest.get(line.customer_id, datetime.min):
            latest[line.customer_id] = line.at
    ranked = sorted(latest, key=lambda cid: (-latest[cid].timestamp(), cid))
    return set(ranked if limit is None else ranked[:limit])


def build_customer(customer_id: int, country: str, first_order_at: datetime) -> CustomerPlan:
    """A deterministic fake identity and address for one CustomerID."""
    first, last = pick(FIRST_NAMES, customer_id, "first"), pick(LAST_NAMES, customer_id, "last")
    city, template = pick(CITIES.get(country, FALLBACK_CITIES), customer_id, "city")
    streets, number_first = STREETS.get(country, DEFAULT_STREETS)
    street, number = pick(streets, customer_id, "street"), 1 + stable(customer_id, "house") % 180
    age = timedelta(days=stable(customer_id, "age") % 61, minutes=5 + stable(customer_id, "minutes") % 600)
    return CustomerPlan(
        id=customer_id,
        name=f"{first} {last}",
        email=f"{first}.{last}.{customer_id}@example.com".lower(),
        country=country,
        created_at=first_order_at - age,
        newsletter=stable(customer_id, "newsletter") % 100 < 35,
        line1=f"{number} {street}" if number_first else f"{street} {number}",
        city=city,
        postcode=fill_template(template, customer_id, "postcode"),
    )


def build_customers(orders: Sequence[SourceLine], shift: timedelta) -> dict[int, CustomerPlan]:
    """Customers of the kept orders; country = the one they order from most."""
    countries: dict[int, Counter[str]] = defaultdict(Counter)
    first_at: dict[int, datetime] = {}
    for line in orders:
        countries[line.customer_id][line.country] += 1
        first_at[line.customer_id] = min(first_at.get(line.customer_id, line.at), line.at)
    plans = {}
    for cid in sorted(countries):
        country = min(countries[cid].items(), key=lambda item: (-item[1], item[0]))[0]
        plans[cid] = build_customer(cid, country, first_at[cid] + shift)
    return plans


# --------------------------------------------------------------------------------------------- orders and refunds


def build_orders(orders: Sequence[SourceLine], shift: timedelta) -> list[OrderPlan]:
    """Invoices as orders (ids by placement time); equal SKU and price lines are merged."""
    by_number: dict[str, OrderPlan] = {}
    for line in orders:
        plan = by_number.get(line.invoice)
        if plan is None:
            plan = by_number[line.invoice] = OrderPlan(0, line.invoice, line.customer_id, line.at + shift)
        plan.placed_at = min(plan.placed_at, line.at + shift)
        key = (line.sku, line.price)
        plan.lines[key] = plan.lines.get(key, 0) + line.quantity
        plan.total += line.quantity * line.price
    ranked = sorted(by_number.values(), key=lambda plan: (plan.placed_at, plan.number))
    for order_id, plan in enumerate(ranked, start=1):
        plan.id = order_id
    return ranked


def apply_cancellations(
    cancellations: Sequence[SourceLine], orders: Sequence[OrderPlan], shift: timedelta
) -> list[RefundPlan]:
    """Each cancellation line refunds the customer's latest earlier order with that SKU, capped at what is left."""
    history: dict[int, list[OrderPlan]] = defaultdict(list)
    for plan in orders:
        history[plan.customer_id].append(plan)
    skus = {plan.number: {sku for sku, _ in plan.lines} for plan in orders}
    invoices: dict[str, list[SourceLine]] = defaultdict(list)
    for line in cancellations:
        invoices[line.invoice].append(line)
    refunds: list[RefundPlan] = []
    for number in sorted(invoices, key=lambda n: (min(line.at for line in invoices[n]), n)):
        refunds.extend(_refund_invoice(invoices[number], history, skus, shift))
    return refunds


def _refund_invoice(
    lines: list[SourceLine], history: dict[int, list[OrderPlan]], skus: dict[str, set[str]], shift: timedelta
) -> list[RefundPlan]:
    at = min(line.at for line in lines) + shift
    shares: dict[str, RefundPlan] = {}
    for line in lines:
        target = next(
            (p for p in reversed(history[line.customer_id]) if p.placed_at < at and line.sku in skus[p.number]), None
        )
        if target is None:
            continue
        amount = min(-line.quantity * line.price, target.total - target.refunded)
        if amount <= 0:
            continue
        target.refunded += amount
        share = shares.setdefault(target.number, RefundPlan(target, ZERO, at))
        share.amount += amount
    for share in shares.values():
        if share.order.refunded >= share.order.total and share.order.fully_refunded_at is None:
            share.order.fully_refunded_at = at
    return list(shares.values())


# --------------------------------------------------------------------------------------------- life cycle


def plan_timeline(plan: OrderPlan, country: str) -> Timeline:
    """Payment, packing, dispatch and delivery times; about one parcel in ten runs late."""
    key = plan.number
    paid_at = plan.placed_at + timedelta(seconds=5 + stable(key, "pay") % 50)
    packed_at = plan.placed_at + timedelta(minutes=120 + stable(key, "pack") % 1080)
    shipped_at = packed_at + timedelta(minutes=120 + stable(key, "ship") % 360)
    in_transit_at = shipped_at + timedelta(minutes=120 + stable(key, "hub") % 240)
    days = promise_days(country)
    promised = plan.placed_at.date() + timedelta(days=days)
    if stable(key, "late") % 100 < 10:
        delivery = promised + timedelta(days=1 + stable(key, "delay") % 3)
    else:
        delivery = promised - timedelta(days=stable(key, "early") % 2 if days > 2 else 0)
    delivery = max(delivery, in_transit_at.date() + timedelta(days=1))
    out_at = datetime.combine(delivery, time(7)) + timedelta(minutes=stable(key, "van") % 120)
    delivered_at = datetime.combine(delivery, time(10)) + timedelta(minutes=stable(key, "drop") % 480)
    return Timeline(paid_at, packed_at, shipped_at, in_transit_at, out_at, delivered_at, promised, delivery)


def settle_status(plan: OrderPlan, timeline: Timeline, now: datetime) -> None:
    """The order's status at ``now``, including cancellations and returns from full refunds."""
    plan.timeline = timeline
    full_at = plan.fully_refunded_at
    if full_at is not None and full_at - plan.placed_at <= timedelta(days=1):
        plan.status, plan.cancelled_at = OrderStatus.CANCELLED, full_at
    elif full_at is not None and full_at >= timeline.delivered_at:
        plan.status = OrderStatus.RETURNED
    elif plan.fraud_hold and full_at is None:  # held for a fraud review: not packed until staff approve it
        unpaid = now < timeline.paid_at or stable(plan.number, "unpaid") % 100 < 10
        plan.status = OrderStatus.PLACED if unpaid and plan.refunded == 0 else OrderStatus.PAID
    elif now >= timeline.delivered_at:
        plan.status = OrderStatus.DELIVERED
    elif now >= timeline.shipped_at:
        plan.status = OrderStatus.SHIPPED
    elif plan.refunded == 0 and (now < timeline.paid_at or stable(plan.number, "unpaid") % 100 < 10):
        plan.status = OrderStatus.PLACED
    else:
        plan.status = OrderStatus.PACKED if now >= timeline.packed_at else OrderStatus.PAID


def tracking_steps(timeline: Timeline, carrier: str, customer: CustomerPlan) -> list[tuple[datetime, str, str, str]]:
    """(time, location, description, shipment status) of every tracking step, happened or not."""
    hub = CARRIER_HUBS[carrier] if customer.country == "United Kingdom" else f"{carrier} gateway, {customer.country}"
    town = f"{customer.city}, {customer.country}"
    return [
        (timeline.packed_at, WAREHOUSE, "Label created", "label_created"),
        (timeline.shipped_at, WAREHOUSE, "Collected by carrier", "in_transit"),
        (timeline.in_transit_at, hub, "In transit at hub", "in_transit"),
        (timeline.out_for_delivery_at, town, "Out for delivery", "out_for_delivery"),
        (timeline.delivered_at, town, "Delivered", "delivered"),
    ]
