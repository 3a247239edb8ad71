"""Build the demo shop from the UCI Online Retail line items (``python -m backoffice.seed``).

Real invoices become orders and cancellation invoices become refunds; names, addresses, payments, shipments and
tracking are synthetic. Everything is a pure function of the source file and ``today``: no randomness, only stable
hashes (see ``backoffice/data/ATTRIBUTION.md``).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import lzma
import re
import sys
import time as clock
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, insert, select, text
from sqlalchemy.orm import Session
from tqdm import tqdm

from backoffice.models import (
    Address,
    Base,
    Customer,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    Product,
    Refund,
    Return,
    Shipment,
    TrackingEvent,
)

DEFAULT_SOURCE = Path(__file__).resolve().parent / "data" / "online_retail.csv.xz"
SKU_PATTERN = re.compile(r"^[0-9]{5}[A-Za-z]{0,2}$")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
CHUNK = 5000
SOURCE_COLUMNS = (
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
)
WAREHOUSE = "Shopdesk warehouse, Milton Keynes, United Kingdom"

FIRST_NAMES = (
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Grace", "Sophie", "Emily", "Ella", "Lily", "Freya", "Chloe", "Hannah",
    "Alice", "Lucy", "Clara", "Nora", "Elena", "Marie", "Ines", "Oliver", "George", "Harry", "Jack", "Noah", "Leo",
    "Oscar", "Arthur", "Henry", "Thomas", "James", "William", "Samuel", "Daniel", "Lucas", "Luca", "Hugo", "Felix",
    "Jonas", "Mateo",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright", "Thompson",
    "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Patel", "Khan", "Lewis",
    "Harris", "Martin", "Cooper", "King", "Baker", "Turner", "Hill", "Murphy", "Kelly", "Muller", "Schmidt",
    "Dubois", "Moreau", "Garcia", "Rossi", "Jansen", "Nielsen",
)  # fmt: skip

# country -> ((city, postcode template), ...): "#" is a digit, "?" an upper-case letter.
CITIES: dict[str, tuple[tuple[str, str], ...]] = {
    "United Kingdom": (
        ("London", "SW1A #??"), ("London", "E1 #??"), ("London", "N1 #??"), ("Manchester", "M1 #??"),
        ("Birmingham", "B1 #??"), ("Leeds", "LS1 #??"), ("Bristol", "BS1 #??"), ("Glasgow", "G1 #??"),
        ("Edinburgh", "EH1 #??"), ("Cardiff", "CF10 #??"), ("Liverpool", "L1 #??"), ("Nottingham", "NG1 #??"),
        ("Sheffield", "S1 #??"), ("Brighton", "BN1 #??"), ("Oxford", "OX1 #??"), ("York", "YO1 #??"),
        ("Norwich", "NR1 #??"), ("Bath", "BA1 #??"),
    ),
    "Germany": (("Berlin", "10###"), ("Hamburg", "20###"), ("Munich", "80###"), ("Cologne", "50###")),
    "France": (("Paris", "750##"), ("Lyon", "6900#"), ("Marseille", "130##"), ("Lille", "590##")),
    "EIRE": (("Dublin", "D0# ?###"), ("Cork", "T12 ?###"), ("Galway", "H91 ?###")),
    "Spain": (("Madrid", "280##"), ("Barcelona", "080##"), ("Valencia", "460##")),
    "Netherlands": (("Amsterdam", "10## ??"), ("Rotterdam", "30## ??"), ("Utrecht", "35## ??")),
    "Belgium": (("Brussels", "10#0"), ("Antwerp", "20#0"), ("Ghent", "90#0")),
    "Switzerland": (("Zurich", "80##"), ("Geneva", "12##"), ("Basel", "40##")),
    "Portugal": (("Lisbon", "1###-###"), ("Porto", "4###-###")),
    "Australia": (("Sydney NSW", "2###"), ("Melbourne VIC", "3###")),
    "Norway": (("Oslo", "0###"), ("Bergen", "50##")),
    "Italy": (("Rome", "001##"), ("Milan", "201##"), ("Florence", "501##")),
    "Channel Islands": (("St Helier, Jersey", "JE2 #??"), ("St Peter Port, Guernsey", "GY1 #??")),
    "Finland": (("Helsinki", "00###"), ("Tampere", "33###")),
    "Cyprus": (("Nicosia", "1###"), ("Limassol", "3###")),
    "Sweden": (("Stockholm", "1## ##"), ("Gothenburg", "4## ##")),
    "Austria": (("Vienna", "1##0"), ("Salzburg", "50#0")),
    "Denmark": (("Copenhagen", "1###"), ("Aarhus", "8000")),
    "Japan": (("Tokyo", "1##-####"), ("Osaka", "5##-####")),
    "Poland": (("Warsaw", "00-###"), ("Krakow", "30-###")),
    "Israel": (("Tel Aviv", "6######"), ("Haifa", "3######")),
    "USA": (("New York, NY", "100##"), ("Boston, MA", "021##"), ("Chicago, IL", "606##")),
    "Hong Kong": (("Hong Kong", "999077"),),
    "Singapore": (("Singapore", "0#####"),),
    "Iceland": (("Reykjavik", "1#1"),),
    "Canada": (("Toronto, ON", "M5V #?#"), ("Vancouver, BC", "V6B #?#")),
    "Greece": (("Athens", "10# ##"), ("Thessaloniki", "54# ##")),
    "Malta": (("Valletta", "VLT ####"), ("Sliema", "SLM ####")),
    "United Arab Emirates": (("Dubai", "00000"), ("Abu Dhabi", "00000")),
    "RSA": (("Cape Town", "80##"), ("Johannesburg", "20##")),
    "Lebanon": (("Beirut", "1107 2###"),),
    "Lithuania": (("Vilnius", "LT-0####"), ("Kaunas", "LT-4####")),
    "Brazil": (("Sao Paulo", "01###-###"), ("Rio de Janeiro", "20###-###")),
    "Czech Republic": (("Prague", "1## 00"), ("Brno", "6## 00")),
    "Bahrain": (("Manama", "3##"),),
    "Saudi Arabia": (("Riyadh", "1####"), ("Jeddah", "2####")),
    "European Community": (("Brussels", "10#0"), ("Luxembourg", "L-1###")),
}  # fmt: skip
FALLBACK_CITIES = (("Capital City", "#####"),)
# country -> (street names, house number first?)
STREETS: dict[str, tuple[tuple[str, ...], bool]] = {
    "Germany": (("Hauptstrasse", "Bahnhofstrasse", "Gartenweg", "Schillerstrasse", "Lindenallee"), False),
    "Austria": (("Hauptstrasse", "Bahnhofstrasse", "Gartenweg", "Mozartgasse"), False),
    "Switzerland": (("Bahnhofstrasse", "Seestrasse", "Dorfstrasse", "Rue du Lac"), False),
    "France": (("rue de la Paix", "avenue Victor Hugo", "rue du Moulin", "boulevard Voltaire"), True),
    "Belgium": (("Rue Neuve", "Kerkstraat", "Avenue Louise", "Stationsstraat"), False),
    "Spain": (("Calle Mayor", "Calle de Alcala", "Avenida del Puerto", "Calle Real"), False),
    "Portugal": (("Rua Augusta", "Avenida da Liberdade", "Rua do Carmo"), False),
    "Italy": (("Via Roma", "Via Garibaldi", "Corso Italia", "Via Dante"), False),
    "Netherlands": (("Kerkstraat", "Prinsengracht", "Dorpsstraat", "Molenweg"), False),
    "Denmark": (("Vestergade", "Norregade", "Strandvejen"), False),
    "Norway": (("Storgata", "Kirkeveien", "Strandgata"), False),
    "Sweden": (("Storgatan", "Drottninggatan", "Kungsgatan"), False),
    "Finland": (("Mannerheimintie", "Aleksanterinkatu", "Hameenkatu"), False),
    "Poland": (("ul. Dluga", "ul. Marszalkowska", "ul. Polna"), False),
}
DEFAULT_STREETS = (
    ("High Street", "Station Road", "Church Lane", "Mill Road", "Park Avenue", "Victoria Road", "Queen Street",
     "Market Square", "Harbour Road", "Elm Grove", "Kings Road", "Orchard Way"),
    True,
)  # fmt: skip

EUROPE = frozenset(
    {
        "Austria", "Belgium", "Channel Islands", "Cyprus", "Czech Republic", "Denmark", "EIRE", "European Community",
        "Finland", "France", "Germany", "Greece", "Iceland", "Italy", "Lithuania", "Malta", "Netherlands", "Norway",
        "Poland", "Portugal", "Spain", "Sweden", "Switzerland",
    }
)  # fmt: skip
CARRIERS = ("Royal Mail", "DPD", "DHL", "UPS")
CARRIER_HUBS = {
    "Royal Mail": "Royal Mail mail centre, Birmingham",
    "DPD": "DPD hub, Hinckley",
    "DHL": "DHL hub, East Midlands Airport",
    "UPS": "UPS hub, Tamworth",
}
PAYMENT_METHODS = (("card", 60), ("paypal", 30), ("bank_transfer", 10))
RETURN_REASONS = ("Changed my mind", "Arrived damaged", "Not as described", "Wrong size or colour", "Ordered twice")
SMALL_WORDS = frozenset({"a", "an", "and", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with"})
ACRONYMS = frozenset({"LED", "USB", "UK", "USA", "CD", "DVD", "DIY", "PVC", "GB", "UFO"})
WORD_PATTERN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
OPEN_STATUSES = (OrderStatus.PLACED, OrderStatus.PAID, OrderStatus.PACKED)


# --------------------------------------------------------------------------------------------- small helpers


def stable(*parts: object) -> int:
    """A 64-bit hash of ``parts`` that is the same in every process (unlike ``hash()``)."""
    digest = hashlib.blake2b("|".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def pick(options: Sequence[Any], *parts: object) -> Any:
    """One of ``options``, chosen by a stable hash of ``parts``."""
    return options[stable(*parts) % len(options)]


def fill_template(template: str, *parts: object) -> str:
    """Replace ``#`` with digits and ``?`` with letters, deterministically."""
    seed = stable(*parts)
    out = []
    for char in template:
        if char == "#":
            out.append(str(seed % 10))
            seed //= 10
        elif char == "?":
            out.append("ABDEFGHJLNPQRSTUWXYZ"[seed % 20])
            seed //= 20
        else:
            out.append(char)
    return "".join(out)


def title_case(raw: str) -> str:
    """A catalogue description (``SET OF 3 CAKE TINS``) as a product title (``Set of 3 Cake Tins``)."""
    cleaned = " ".join(raw.split()).strip(" ,.;-")

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        if word.upper() in ACRONYMS:
            return word.upper()
        lower = word.lower()
        return lower if match.start() > 0 and lower in SMALL_WORDS else lower[0].upper() + lower[1:]

    return WORD_PATTERN.sub(fix, cleaned)


def money(value: Decimal) -> Decimal:
    """``value`` rounded to pennies."""
    return value.quantize(CENT)


# --------------------------------------------------------------------------------------------- reading the source


@dataclass(frozen=True)
class SourceLine:
    """One kept line item of the source file (dates not shifted yet)."""

    invoice: str
    sku: str
    description: str
    quantity: int
    at: datetime
    price: Decimal
    customer_id: int
    country: str

    @property
    def is_cancellation(self) -> bool:
        return self.invoice.startswith("C")


def _open_text(source: Path) -> io.TextIOBase:
    if source.suffix == ".xz":
        return io.TextIOWrapper(lzma.open(source, "rb"), encoding="utf-8", newline="")
    return open(source, encoding="utf-8", newline="")  # noqa: SIM115


def _parse_datetime(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:  # the original UCI spreadsheet export: 12/1/2010 8:26
        return datetime.strptime(value, "%m/%d/%Y %H:%M")


class _Parser:
    """Turns CSV rows into ``SourceLine``s, caching the many repeated dates and prices."""

    def __init__(self, header: list[str]) -> None:
        self.columns = [header.index(name) for name in SOURCE_COLUMNS]
        self.dates: dict[str, datetime] = {}
        self.prices: dict[str, Decimal] = {}

    def __call__(self, row: list[str]) -> SourceLine | None:
        invoice, sku, description, quantity_text, when, price_text, customer, country = (
            row[i].strip() for i in self.columns
        )
        if not customer or not SKU_PATTERN.match(sku):
            return None
        price = self.prices.get(price_text)
        if price is None:
            price = self.prices[price_text] = money(Decimal(price_text))
        quantity, cancellation = int(quantity_text), invoice.startswith("C")
        if price <= 0 or quantity == 0 or (quantity < 0) != cancellation:
            return None
        at = self.dates.get(when)
        if at is None:
            at = self.dates[when] = _parse_datetime(when)
        return SourceLine(
            invoice, sku.upper(), description, quantity, at, price, int(float(customer)), country or "Unspecified"
        )


def read_source(source: Path) -> list[SourceLine]:
    """The line items worth keeping: a customer, a positive price and a product code."""
    with _open_text(source) as handle:
        reader = csv.reader(handle)
        parse = _Parser(next(reader))
        return [line for row in reader if (line := parse(row)) is not None]


# --------------------------------------------------------------------------------------------- the plan in memory


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


@dataclass
class SeedReport:
    """What a seed produced."""

    customers: int = 0
    products: int = 0
    out_of_stock: int = 0
    orders: int = 0
    order_lines: int = 0
    payments: int = 0
    refunds: int = 0
    returns: int = 0
    shipments: int = 0
    tracking_events: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    first_order_at: datetime | None = None
    last_order_at: datetime | None = None

    def describe(self) -> str:
        """A few human-readable lines."""
        statuses = ", ".join(f"{name} {count}" for name, count in sorted(self.statuses.items()))
        return "\n".join(
            [
                f"customers {self.customers}, products {self.products} ({self.out_of_stock} out of stock)",
                f"orders {self.orders} ({statuses}), order lines {self.order_lines}",
                f"payments {self.payments}, refunds {self.refunds}, returns {self.returns}",
                f"shipments {self.shipments}, tracking events {self.tracking_events}",
                f"orders placed {self.first_order_at} .. {self.last_order_at}",
            ]
        )


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


def tracking_number(carrier: str, order_number: str) -> str:
    """A carrier-shaped tracking number."""
    digits = str(stable(order_number, "tracking")).zfill(20)
    if carrier == "Royal Mail":
        return f"RM{digits[:9]}GB"
    if carrier == "DPD":
        return digits[:14]
    if carrier == "DHL":
        return digits[:10]
    return f"1Z{fill_template('??##??##########', order_number, 'ups')}"


def payment_method(order_number: str) -> str:
    """card, paypal or bank_transfer by stable weights."""
    roll = stable(order_number, "method") % 100
    for method, weight in PAYMENT_METHODS:
        if roll < weight:
            return method
        roll -= weight
    return PAYMENT_METHODS[0][0]


# --------------------------------------------------------------------------------------------- rows


@dataclass
class Rows:
    """Every row to insert, per table, in insert order."""

    tables: dict[Table, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, model: type[Base], row: dict[str, Any]) -> int:
        """Append ``row`` with the next id of its table; returns that id."""
        rows = self.tables.setdefault(model.__table__, [])  # type: ignore[arg-type]
        row_id = len(rows) + 1
        rows.append({"id": row_id, **row})
        return row_id


def customer_rows(rows: Rows, customers: dict[int, CustomerPlan]) -> None:
    for plan in customers.values():
        rows.tables.setdefault(Customer.__table__, []).append(  # type: ignore[arg-type]
            {
                "id": plan.id,
                "email": plan.email,
                "name": plan.name,
                "country": plan.country,
                "created_at": plan.created_at,
                "newsletter": plan.newsletter,
            }
        )
        rows.add(
            Address,
            {
                "customer_id": plan.id,
                "line1": plan.line1,
                "city": plan.city,
                "postcode": plan.postcode,
                "country": plan.country,
                "is_default": True,
            },
        )


def order_rows(rows: Rows, plan: OrderPlan, customer: CustomerPlan, product_ids: dict[str, int]) -> None:
    rows.tables.setdefault(Order.__table__, []).append(  # type: ignore[arg-type]
        {
            "id": plan.id,
            "number": plan.number,
            "customer_id": plan.customer_id,
            "email": customer.email,
            "status": str(plan.status),
            "placed_at": plan.placed_at,
            "currency": "GBP",
            "total": money(plan.total),
            "ship_line1": customer.line1,
            "ship_city": customer.city,
            "ship_postcode": customer.postcode,
            "ship_country": customer.country,
            "cancelled_at": plan.cancelled_at,
        }
    )
    for (sku, price), quantity in plan.lines.items():
        rows.add(
            OrderLine, {"order_id": plan.id, "product_id": product_ids[sku], "quantity": quantity, "unit_price": price}
        )


def payment_row(rows: Rows, plan: OrderPlan) -> None:
    if plan.status == OrderStatus.PLACED or plan.timeline is None:
        return
    rows.add(
        Payment,
        {
            "order_id": plan.id,
            "method": payment_method(plan.number),
            "amount": money(plan.total),
            "status": "refunded" if plan.refunded >= plan.total else "captured",
            "created_at": plan.timeline.paid_at,
        },
    )


def shipment_rows(rows: Rows, plan: OrderPlan, customer: CustomerPlan, now: datetime) -> None:
    if plan.status not in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.RETURNED) or plan.timeline is None:
        return
    timeline = plan.timeline
    carrier = pick(CARRIERS, plan.number, "carrier")
    done = [step for step in tracking_steps(timeline, carrier, customer) if step[0] <= now]
    delivered = done[-1][3] == "delivered"
    shipment_id = rows.add(
        Shipment,
        {
            "order_id": plan.id,
            "carrier": carrier,
            "tracking_number": tracking_number(carrier, plan.number),
            "status": done[-1][3],
            "shipped_at": timeline.shipped_at,
            "promised_delivery": timeline.promised,
            "estimated_delivery": timeline.estimated,
            "delivered_at": timeline.delivered_at if delivered else None,
        },
    )
    for at, location, description, _ in done:
        rows.add(
            TrackingEvent, {"shipment_id": shipment_id, "at": at, "location": location, "description": description}
        )


def refund_rows(rows: Rows, refunds: Sequence[RefundPlan], now: datetime) -> None:
    for refund in sorted(refunds, key=lambda r: (r.at, r.order.id)):
        rows.add(
            Refund,
            {
                "order_id": refund.order.id,
                "amount": money(refund.amount),
                "reason": "Cancelled item",
                "status": "completed",
                "created_at": refund.at,
                "completed_at": min(
                    refund.at + timedelta(minutes=1 + stable(refund.order.number, refund.at) % 90), now
                ),
            },
        )


def return_row(rows: Rows, plan: OrderPlan) -> None:
    if plan.status != OrderStatus.RETURNED or plan.timeline is None or plan.fully_refunded_at is None:
        return
    refunded_at, delivered_at = plan.fully_refunded_at, plan.timeline.delivered_at
    lead = min(timedelta(days=1 + stable(plan.number, "return") % 3), (refunded_at - delivered_at) / 2)
    rows.add(
        Return,
        {
            "order_id": plan.id,
            "reason": pick(RETURN_REASONS, plan.number, "reason"),
            "status": "refunded",
            "created_at": (refunded_at - lead).replace(microsecond=0),
        },
    )


# --------------------------------------------------------------------------------------------- database


def wipe(session: Session) -> None:
    """Delete every store row (children first); PostgreSQL truncates, which is much faster."""
    tables = list(reversed(Base.metadata.sorted_tables))
    if session.get_bind().dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in tables)
        session.execute(text(f"TRUNCATE TABLE {names} RESTART IDENTITY"))
        return
    for table in tables:
        session.execute(delete(table))


def bulk_insert(session: Session, rows: Rows, progress: bool = False) -> None:
    """Insert every planned row, parents first: COPY on PostgreSQL, chunked executemany elsewhere."""
    order = [table for table in Base.metadata.sorted_tables if table in rows.tables]
    total = sum(len(rows.tables[table]) for table in order)
    dialect = session.get_bind().dialect
    postgres, copy = dialect.name == "postgresql", dialect.driver == "psycopg"
    with tqdm(total=total, unit="row", desc="seeding", disable=not progress, file=sys.stderr) as bar:
        for table in order:
            bar.set_postfix_str(table.name)
            for chunk in _chunks(rows.tables[table], CHUNK):
                if copy:
                    _copy(session, table, chunk)
                else:
                    session.execute(insert(table), chunk)
                bar.update(len(chunk))
    if postgres:
        for table in order:
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
                )
            )


def _copy(session: Session, table: Table, chunk: list[dict[str, Any]]) -> None:
    """COPY ``chunk`` into ``table`` on the session's own psycopg connection (same transaction)."""
    columns = list(chunk[0])
    names = ", ".join(f'"{name}"' for name in columns)
    driver = session.connection().connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:  # type: ignore[union-attr]
        for row in chunk:
            copy.write_row([row[name] for name in columns])


def _chunks(items: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --------------------------------------------------------------------------------------------- entry points


def plan_rows(
    lines: Sequence[SourceLine], today: date, limit_customers: int | None
) -> tuple[Rows, list[OrderPlan], int]:
    """Everything to insert, the orders, and the number of products out of stock."""
    shift = day_shift(lines, today)
    now = datetime.combine(today, time.min)
    products = build_products(lines, shift, now)
    chosen = choose_customers([line for line in lines if not line.is_cancellation], limit_customers)
    kept = [line for line in lines if line.customer_id in chosen]
    order_lines = [line for line in kept if not line.is_cancellation]
    customers = build_customers(order_lines, shift)
    orders = build_orders(order_lines, shift)
    refunds = apply_cancellations([line for line in kept if line.is_cancellation], orders, shift)
    rows = Rows()
    rows.tables[Product.__table__] = products  # type: ignore[index]
    customer_rows(rows, customers)
    product_ids = {row["sku"]: row["id"] for row in products}
    for plan in orders:
        customer = customers[plan.customer_id]
        settle_status(plan, plan_timeline(plan, customer.country), now)
        order_rows(rows, plan, customer, product_ids)
        payment_row(rows, plan)
        shipment_rows(rows, plan, customer, now)
        return_row(rows, plan)
    refund_rows(rows, refunds, now)
    return rows, orders, sum(1 for row in products if row["stock_on_hand"] == 0)


def seed(
    session: Session,
    *,
    source: Path = DEFAULT_SOURCE,
    today: date | None = None,
    limit_customers: int | None = None,
    progress: bool = False,
) -> SeedReport:
    """Wipe the store and rebuild it from ``source`` so its history ends yesterday; the caller commits."""
    lines = read_source(source)
    if not lines:
        raise ValueError(f"{source} has no usable line items")
    rows, orders, out_of_stock = plan_rows(lines, today or date.today(), limit_customers)
    wipe(session)
    bulk_insert(session, rows, progress=progress)
    session.flush()
    return _report(rows, orders, out_of_stock)


def _report(rows: Rows, orders: list[OrderPlan], out_of_stock: int) -> SeedReport:
    def count(model: type[Base]) -> int:
        return len(rows.tables.get(model.__table__, []))  # type: ignore[call-overload]

    return SeedReport(
        customers=count(Customer),
        products=count(Product),
        out_of_stock=out_of_stock,
        orders=len(orders),
        order_lines=count(OrderLine),
        payments=count(Payment),
        refunds=count(Refund),
        returns=count(Return),
        shipments=count(Shipment),
        tracking_events=count(TrackingEvent),
        statuses=dict(sorted(Counter(str(plan.status) for plan in orders).items())),
        first_order_at=orders[0].placed_at if orders else None,
        last_order_at=orders[-1].placed_at if orders else None,
    )


@dataclass(frozen=True)
class DemoShopper:
    """A seeded customer worth showing in the README."""

    why: str
    name: str
    email: str
    country: str
    orders: list[tuple[str, str]]


def demo_shoppers(session: Session) -> list[DemoShopper]:
    """Three shoppers with different stories: a late parcel, a recent return or cancellation, a fresh order."""
    late = set(
        session.scalars(
            select(Shipment.order_id).where(
                Shipment.delivered_at.is_(None), Shipment.estimated_delivery > Shipment.promised_delivery
            )
        )
    )
    history: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for order_id, customer_id, number, status in session.execute(
        select(Order.id, Order.customer_id, Order.number, Order.status).order_by(Order.placed_at.desc(), Order.id)
    ):
        history[customer_id].append((order_id, number, status))
    uk = set(session.scalars(select(Customer.id).where(Customer.country == "United Kingdom")))
    stories: list[tuple[str, Callable[[list[tuple[int, str, str]]], bool]]] = [
        ("latest order is running late", lambda h: h[0][0] in late),
        ("recent return or cancellation", lambda h: any(s in ("returned", "cancelled") for _, _, s in h[:3])),
        ("just placed an order", lambda h: h[0][2] in OPEN_STATUSES),
    ]
    picked: dict[int, DemoShopper] = {}
    for why, matches in stories:
        candidates = [cid for cid, h in history.items() if matches(h) and cid not in picked]
        if candidates:
            cid = max(candidates, key=lambda c: (c in uk, len(history[c]) >= 3, -c))
            picked[cid] = _shopper(session, why, cid, history[cid])
    return list(picked.values())


def _shopper(session: Session, why: str, customer_id: int, history: list[tuple[int, str, str]]) -> DemoShopper:
    customer = session.get_one(Customer, customer_id)
    return DemoShopper(why, customer.name, customer.email, customer.country, [(n, s) for _, n, s in history[:3]])


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m backoffice.seed``: migrate, wipe and rebuild the demo shop."""
    from backoffice.config import get_settings
    from backoffice.db import make_engine, session_factory
    from backoffice.migrate import upgrade

    parser = argparse.ArgumentParser(prog="python -m backoffice.seed", description=main.__doc__)
    parser.add_argument("--database-url", help="default: DATABASE_URL or var/shopdesk.db")
    parser.add_argument(
        "--today", type=date.fromisoformat, help="YYYY-MM-DD (default: today); history ends the day before"
    )
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    url = args.database_url or get_settings().database_url
    started = clock.perf_counter()
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            report = seed(session, source=args.source, today=args.today, progress=True)
            session.commit()
            shoppers = demo_shoppers(session)
    finally:
        engine.dispose()
    print(report.describe())
    print(f"seeded {engine.url.render_as_string(hide_password=True)} in {clock.perf_counter() - started:.1f} s")
    for shopper in shoppers:
        orders = ", ".join(f"{number} ({status})" for number, status in shopper.orders)
        print(f"demo shopper: {shopper.name} <{shopper.email}>, {shopper.country}; {shopper.why}: {orders}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
