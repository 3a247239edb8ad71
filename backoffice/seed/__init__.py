"""Build the demo shop from the UCI Online Retail line items (``python -m backoffice.seed``).

Real invoices become orders and cancellation invoices become refunds; names, addresses, payments, shipments and
tracking are synthetic. Everything is a pure function of the source file and ``today``: no randomness, only stable
hashes (see ``backoffice/data/ATTRIBUTION.md``).

The package is split by concern: ``source`` reads the CSV, ``fake`` makes the synthetic names and numbers, ``plan``
builds customers, orders, refunds and their life cycle in memory, ``rows`` turns that into table rows and inserts
them, ``shoppers`` picks demo customers, and ``__main__`` is the command line.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from backoffice.models import Base, Customer, OrderLine, Payment, Product, Refund, Return, Shipment, TrackingEvent
from backoffice.seed.fake import stable
from backoffice.seed.plan import OrderPlan, plan_timeline
from backoffice.seed.rows import Rows, bulk_insert, plan_rows, wipe
from backoffice.seed.shoppers import DemoShopper, demo_shoppers
from backoffice.seed.source import DEFAULT_SOURCE, read_source

__all__ = [
    "DEFAULT_SOURCE",
    "DemoShopper",
    "OrderPlan",
    "SeedReport",
    "demo_shoppers",
    "plan_timeline",
    "seed",
    "stable",
    "wipe",
]


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
    simulated_fraud: int = 0
    fraud_held: int = 0
    fraud_threshold: float | None = None

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
            + ([f"SIMULATED fraud orders {self.simulated_fraud} (numbers 9xxxxx, labels marked simulated); fraud "
                f"threshold {self.fraud_threshold:.3f}; held for review {self.fraud_held}"]
               if self.fraud_threshold is not None else [])
        )


def seed(
    session: Session,
    *,
    source: Path = DEFAULT_SOURCE,
    today: date | None = None,
    limit_customers: int | None = None,
    progress: bool = False,
    fraud: bool | None = None,
    model_path: Path | None = None,
) -> SeedReport:
    """Wipe the store and rebuild it from ``source`` so its history ends yesterday; the caller commits.

    ``fraud`` injects SIMULATED fraud, trains the demo fraud model (saved to ``model_path`` when given) and holds
    the risky orders of the last days; None = only for the whole shop (see ``backoffice/seed/fraud.py``).
    """
    lines = read_source(source)
    if not lines:
        raise ValueError(f"{source} has no usable line items")
    rows, orders, out_of_stock, screening = plan_rows(lines, today or date.today(), limit_customers, fraud=fraud)
    wipe(session)
    bulk_insert(session, rows, progress=progress)
    session.flush()
    if screening is not None and model_path is not None:
        screening.bundle.save(model_path)
    report = _report(rows, orders, out_of_stock)
    if screening is not None:
        report.simulated_fraud, report.fraud_held = screening.simulated, screening.held
        report.fraud_threshold = screening.bundle.threshold
    return report


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
