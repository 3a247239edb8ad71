"""Turning the plan into table rows, and writing them: wipe, then bulk insert (SQLite inserts, PostgreSQL COPY)."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, delete, insert, text
from sqlalchemy.orm import Session
from tqdm import tqdm

from backoffice.models import (
    Address,
    Base,
    Customer,
    FraudLabel,
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
from backoffice.seed.fake import CARRIERS, RETURN_REASONS, payment_method, pick, stable, tracking_number
from backoffice.seed.fraud import Screening, assign_entities, inject_fraud, label_rows, screen
from backoffice.seed.plan import (
    CustomerPlan,
    OrderPlan,
    RefundPlan,
    apply_cancellations,
    build_customers,
    build_orders,
    build_products,
    choose_customers,
    day_shift,
    plan_timeline,
    settle_status,
    tracking_steps,
)
from backoffice.seed.source import SourceLine, money

CHUNK = 5000


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
            "ship_line1": plan.ship[0] if plan.ship else customer.line1,
            "ship_city": plan.ship[1] if plan.ship else customer.city,
            "ship_postcode": plan.ship[2] if plan.ship else customer.postcode,
            "ship_country": plan.ship[3] if plan.ship else customer.country,
            "cancelled_at": plan.cancelled_at,
            "payment_instrument_id": plan.instrument_id,
            "device_id": plan.device_id,
            "delivery_address_id": plan.address_id,
            "fraud_score": plan.fraud_score,
            "fraud_reasons": plan.fraud_reasons,
            "fraud_scored_at": plan.placed_at if plan.fraud_score is not None else None,
            "fraud_hold": plan.fraud_hold,
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


def plan_rows(
    lines: Sequence[SourceLine], today: date, limit_customers: int | None, *, fraud: bool | None = None
) -> tuple[Rows, list[OrderPlan], int, Screening | None]:
    """Everything to insert, the orders, the number of products out of stock, and the fraud screening.

    ``fraud`` injects SIMULATED fraud and trains the demo model; None means: for the whole shop only (no
    ``limit_customers``, 200+ customers).
    """
    shift = day_shift(lines, today)
    now = datetime.combine(today, time.min)
    products = build_products(lines, shift, now)
    chosen = choose_customers([line for line in lines if not line.is_cancellation], limit_customers)
    kept = [line for line in lines if line.customer_id in chosen]
    order_lines = [line for line in kept if not line.is_cancellation]
    customers = build_customers(order_lines, shift)
    orders = build_orders(order_lines, shift)
    refunds = apply_cancellations([line for line in kept if line.is_cancellation], orders, shift)
    assign_entities(orders)
    screening = None
    if fraud if fraud is not None else (limit_customers is None and len(customers) >= 200):
        orders = inject_fraud(orders, customers, products, now)
        screening = screen(orders, now)
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
    for label in label_rows(orders):
        rows.add(FraudLabel, label)
    return rows, orders, sum(1 for row in products if row["stock_on_hand"] == 0), screening
