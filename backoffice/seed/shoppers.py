"""Demo shoppers: seeded customers with a story worth showing in the README."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import Customer, Order, OrderStatus, Shipment

OPEN_STATUSES = (OrderStatus.PLACED, OrderStatus.PAID, OrderStatus.PACKED)


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
