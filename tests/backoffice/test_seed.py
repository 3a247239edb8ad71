"""The demo-shop seed: a small hand-made source file, plus a slice of the real one."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.models import (
    Base,
    Customer,
    Order,
    OrderLine,
    Payment,
    Product,
    Refund,
    Return,
    Shipment,
    TrackingEvent,
)
from backoffice.seed import DEFAULT_SOURCE, OrderPlan, plan_timeline, stable
from backoffice.seed import seed as run_seed

TODAY = date(2024, 3, 10)
HEADER = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]
UK, DE = "United Kingdom", "Germany"


def _unpaid_number() -> str:
    """An order number whose stable hashes leave a fresh order (yesterday 08:00) unpaid and not yet shipped."""
    placed, now = datetime(2024, 3, 9, 8, 0), datetime(2024, 3, 10)
    return next(
        str(n)
        for n in range(500100, 502000)
        if stable(str(n), "unpaid") % 100 < 10 and plan_timeline(OrderPlan(0, str(n), 0, placed), UK).shipped_at > now
    )


UNPAID = _unpaid_number()
ROWS: list[list[Any]] = [
    # customer 10001 (UK): an old order, a partly refunded one, a cancelled one, two fresh ones
    ["500001", "22001", "RED SPOTTY MUG", 2, "2011-11-01 10:00:00", "1.50", "10001", UK],
    ["500001", "22002", "SET OF 3 CAKE TINS", 1, "2011-11-01 10:00:00", "3.00", "10001", UK],
    ["500001", "POST", "POSTAGE", 1, "2011-11-01 10:00:00", "18.00", "10001", UK],
    ["500002", "22001", "RED SPOTTY MUG", 4, "2011-11-20 09:00:00", "1.50", "10001", UK],
    ["C500003", "22001", "RED SPOTTY MUG", -1, "2011-11-25 11:00:00", "1.50", "10001", UK],
    ["500004", "22003", "WHITE HANGING HEART T-LIGHT HOLDER", 2, "2011-12-05 09:00:00", "2.50", "10001", UK],
    ["C500005", "22003", "WHITE HANGING HEART T-LIGHT HOLDER", -2, "2011-12-05 15:00:00", "2.50", "10001", UK],
    ["500006", "22002", "SET OF 3 CAKE TINS", 1, "2011-12-09 10:00:00", "3.00", "10001", UK],
    [UNPAID, "22001", "RED SPOTTY MUG", 1, "2011-12-09 08:00:00", "1.50", "10001", UK],
    # customer 10002 (Germany): an order returned after delivery, and one in transit
    ["500007", "22001", "RED SPOTTY MUG", 3, "2011-10-01 12:00:00", "1.50", "10002", DE],
    ["C500008", "22001", "RED SPOTTY MUG", -3, "2011-10-20 12:00:00", "1.50", "10002", DE],
    ["500009", "22002", "SET OF 3 CAKE TINS", 2, "2011-12-07 08:00:00", "3.00", "10002", DE],
    # dropped: no customer, zero price, a cancellation without an earlier order
    ["500010", "22001", "RED SPOTTY MUG", 5, "2011-12-01 10:00:00", "1.50", "", UK],
    ["500011", "22004", "FREE SAMPLE", 1, "2011-12-02 10:00:00", "0.00", "10001", UK],
    ["C500012", "22001", "RED SPOTTY MUG", -1, "2011-12-03 10:00:00", "1.50", "10003", UK],
]


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "retail.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(ROWS)
    return path


@pytest.fixture
def seeded(session: Session, source: Path) -> Session:
    run_seed(session, source=source, today=TODAY)
    return session


def _order(session: Session, number: str) -> Order:
    return session.scalars(select(Order).where(Order.number == number)).one()


def _dump(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table.name: [tuple(row) for row in session.execute(select(table).order_by(table.c.id))]
        for table in Base.metadata.sorted_tables
    }


def assert_consistent(session: Session, today: date) -> None:
    """Status invariants that every seeded order must satisfy."""
    now = datetime.combine(today, datetime.min.time())
    for order in session.scalars(select(Order)):
        shipments, payments = order.shipments, order.payments
        assert order.total == sum(line.quantity * line.unit_price for line in order.lines)
        assert order.placed_at < now
        if order.status == "placed":
            assert not payments and not shipments
        else:
            assert len(payments) == 1 and payments[0].amount == order.total
        if order.status in ("placed", "paid", "packed", "cancelled"):
            assert not shipments
        if order.status == "cancelled":
            assert order.cancelled_at is not None and payments[0].status == "refunded"
        if order.status == "shipped":
            assert len(shipments) == 1 and shipments[0].delivered_at is None
            assert "Delivered" not in [event.description for event in shipments[0].events]
        if order.status in ("delivered", "returned"):
            assert len(shipments) == 1 and shipments[0].delivered_at is not None
            assert shipments[0].status == "delivered"
            assert shipments[0].events[-1].description == "Delivered"
        if order.status == "returned":
            assert [r.status for r in order.returns] == ["refunded"] and payments[0].status == "refunded"
        for shipment in shipments:
            assert all(event.at <= now for event in shipment.events)
            assert [e.at for e in shipment.events] == sorted(e.at for e in shipment.events)
        assert sum((r.amount for r in order.refunds), Decimal(0)) <= order.total


def test_history_ends_yesterday_keeping_time_of_day(seeded: Session) -> None:
    last = seeded.scalar(select(func.max(Order.placed_at)))
    assert last == datetime(2024, 3, 9, 10, 0)
    first = _order(seeded, "500001").placed_at
    assert first.time() == datetime(2000, 1, 1, 10, 0).time()
    assert (last - first) == datetime(2011, 12, 9, 10) - datetime(2011, 11, 1, 10)


def test_dropped_rows(seeded: Session) -> None:
    assert set(seeded.scalars(select(Customer.id))) == {10001, 10002}
    assert set(seeded.scalars(select(Product.sku))) == {"22001", "22002", "22003"}
    numbers = set(seeded.scalars(select(Order.number)))
    assert numbers == {"500001", "500002", "500004", "500006", "500007", "500009", UNPAID}
    first = _order(seeded, "500001")
    assert first.total == Decimal("6.00") and len(first.lines) == 2


def test_customers_and_products_look_real(seeded: Session) -> None:
    customer = seeded.get_one(Customer, 10001)
    first, last = customer.name.split()
    assert customer.email == f"{first}.{last}.10001@example.com".lower()
    assert customer.country == UK and customer.created_at <= _order(seeded, "500001").placed_at
    (address,) = customer.addresses
    assert address.is_default and address.country == UK and address.city and address.postcode
    order = _order(seeded, "500001")
    assert (order.ship_line1, order.ship_city, order.email) == (address.line1, address.city, customer.email)
    product = seeded.scalars(select(Product).where(Product.sku == "22003")).one()
    assert product.title == "White Hanging Heart T-Light Holder"
    assert product.description.startswith("White Hanging Heart T-Light Holder.")
    assert product.price == Decimal("2.50") and product.stock_on_hand >= 0


def test_seed_is_deterministic(session: Session, source: Path) -> None:
    run_seed(session, source=source, today=TODAY)
    first = _dump(session)
    report = run_seed(session, source=source, today=TODAY)
    assert _dump(session) == first
    assert report.orders == 7 and report.customers == 2


def test_partial_refund_lands_on_latest_earlier_order(seeded: Session) -> None:
    (refund,) = _order(seeded, "500002").refunds
    assert (refund.amount, refund.status, refund.reason) == (Decimal("1.50"), "completed", "Cancelled item")
    assert refund.created_at == _order(seeded, "500002").placed_at + timedelta(days=5, hours=2)
    assert not _order(seeded, "500001").refunds
    order = _order(seeded, "500002")
    assert order.status == "delivered" and order.payments[0].status == "captured"
    assert seeded.scalar(select(func.count()).select_from(Refund)) == 3  # C500012 has no earlier order


def test_whole_order_cancel_within_a_day(seeded: Session) -> None:
    order = _order(seeded, "500004")
    assert order.status == "cancelled"
    assert order.cancelled_at == order.placed_at + timedelta(hours=6)
    assert not order.shipments
    assert [r.amount for r in order.refunds] == [Decimal("5.00")]
    assert order.payments[0].status == "refunded"


def test_whole_order_refund_after_delivery_is_a_return(seeded: Session) -> None:
    order = _order(seeded, "500007")
    assert order.status == "returned"
    (ret,) = order.returns
    assert ret.status == "refunded" and order.shipments[0].delivered_at is not None
    assert order.shipments[0].delivered_at <= ret.created_at <= order.refunds[0].created_at


def test_statuses_by_age(seeded: Session) -> None:
    assert _order(seeded, "500001").status == "delivered"
    assert _order(seeded, "500009").status == "shipped"  # Germany, two and a half days old
    assert _order(seeded, "500006").status in ("placed", "paid", "packed")
    unpaid = _order(seeded, UNPAID)
    assert unpaid.status == "placed" and not unpaid.payments
    shipment = _order(seeded, "500009").shipments[0]
    assert shipment.promised_delivery == date(2024, 3, 12) and shipment.tracking_number
    assert [e.description for e in shipment.events][:2] == ["Label created", "Collected by carrier"]


def test_statuses_consistent(seeded: Session) -> None:
    assert_consistent(seeded, TODAY)
    delivered = _order(seeded, "500001").shipments[0]
    assert delivered.events[-1].at == delivered.delivered_at


def test_real_file_slice(session: Session) -> None:
    today = date(2025, 6, 2)
    report = run_seed(session, source=DEFAULT_SOURCE, today=today, limit_customers=50)

    def count(model: type[Base]) -> int:
        return session.scalar(select(func.count()).select_from(model)) or 0

    assert report.customers == count(Customer) == 50
    assert report.products == count(Product) > 3000
    assert report.orders == count(Order) > 100
    assert report.order_lines == count(OrderLine) > report.orders
    assert count(Payment) >= report.orders - report.statuses.get("placed", 0)
    assert count(Shipment) > 0 and count(TrackingEvent) >= 3 * count(Shipment)
    assert count(Return) == report.returns
    assert report.statuses.get("delivered", 0) > report.orders // 2
    assert session.scalar(select(func.max(Order.placed_at))) == report.last_order_at
    assert report.last_order_at is not None and report.last_order_at.date() == today - timedelta(days=1)
    assert report.out_of_stock == session.scalar(select(func.count()).where(Product.stock_on_hand == 0))
    assert report.out_of_stock > 0
    assert_consistent(session, today)
