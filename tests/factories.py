"""A tiny hand-made store for tests: two customers, orders in every state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from backoffice.models import (
    Address,
    Customer,
    Order,
    OrderLine,
    Payment,
    Product,
    Shipment,
    TrackingEvent,
)

NOW = datetime(2026, 11, 20, 12, 0, 0)


@dataclass
class Store:
    """Handles to the rows tests talk about."""

    alice: Customer
    bob: Customer
    orders: dict[str, Order]


def _order(session: Session, customer: Customer, number: str, status: str, placed: datetime,
           product: Product, qty: int = 2) -> Order:
    total = product.price * qty
    order = Order(number=number, customer=customer, email=customer.email, status=status, placed_at=placed,
                  total=total, ship_line1="1 High Street", ship_city="London", ship_postcode="N1 1AA",
                  ship_country="United Kingdom")
    order.lines.append(OrderLine(product=product, quantity=qty, unit_price=product.price))
    if status != "placed":
        order.payments.append(Payment(method="card", amount=total, status="captured", created_at=placed))
    session.add(order)
    return order


def _ship(order: Order, shipped: datetime, promised: date, estimated: date, delivered: datetime | None) -> None:
    shipment = Shipment(carrier="Royal Mail", tracking_number=f"RM{order.number}GB", shipped_at=shipped,
                        status="delivered" if delivered else "in_transit", promised_delivery=promised,
                        estimated_delivery=estimated, delivered_at=delivered)
    shipment.events.append(TrackingEvent(at=shipped, location="Birmingham hub", description="Collected by carrier"))
    if delivered:
        shipment.events.append(TrackingEvent(at=delivered, location="London", description="Delivered"))
    order.shipments.append(shipment)


def build_store(session: Session) -> Store:
    """Two customers; Alice has one order in each state, Bob one order."""
    alice = Customer(id=101, email="alice@example.com", name="Alice Archer", country="United Kingdom",
                     created_at=NOW - timedelta(days=400))
    alice.addresses.append(Address(line1="1 High Street", city="London", postcode="N1 1AA",
                                   country="United Kingdom"))
    bob = Customer(id=202, email="bob@example.com", name="Bob Baker", country="France",
                   created_at=NOW - timedelta(days=300))
    mug = Product(sku="22633", title="Hand Warmer Union Jack", description="A warm one.", price=Decimal("2.10"),
                  stock_on_hand=40)
    lantern = Product(sku="84029E", title="Red Woolly Hottie White Heart", description="Cosy.",
                      price=Decimal("3.39"), stock_on_hand=0)
    session.add_all([alice, bob, mug, lantern])
    orders = {
        "placed": _order(session, alice, "600001", "placed", NOW - timedelta(hours=3), mug),
        "paid": _order(session, alice, "600002", "paid", NOW - timedelta(hours=20), mug, 3),
        "packed": _order(session, alice, "600003", "packed", NOW - timedelta(days=1), lantern),
        "shipped": _order(session, alice, "600004", "shipped", NOW - timedelta(days=2), mug),
        "delivered": _order(session, alice, "600005", "delivered", NOW - timedelta(days=10), lantern, 4),
        "old": _order(session, alice, "600006", "delivered", NOW - timedelta(days=90), mug),
        "bob": _order(session, bob, "700001", "paid", NOW - timedelta(hours=5), mug),
    }
    _ship(orders["shipped"], NOW - timedelta(days=1), (NOW + timedelta(days=1)).date(),
          (NOW + timedelta(days=2)).date(), None)
    _ship(orders["delivered"], NOW - timedelta(days=9), (NOW - timedelta(days=7)).date(),
          (NOW - timedelta(days=7)).date(), NOW - timedelta(days=7))
    _ship(orders["old"], NOW - timedelta(days=89), (NOW - timedelta(days=87)).date(),
          (NOW - timedelta(days=87)).date(), NOW - timedelta(days=87))
    session.commit()
    return Store(alice=alice, bob=bob, orders=orders)
