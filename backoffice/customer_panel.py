"""What support staff see about a customer next to a conversation: profile, orders, deliveries, money back."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backoffice.models import Customer, Order

ORDERS_SHOWN = 20


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _order(order: Order) -> dict[str, Any]:
    return {
        "number": order.number, "status": order.status, "placed_at": _iso(order.placed_at),
        "total": f"{order.total:.2f}", "currency": order.currency,
        "shipments": [{"carrier": s.carrier, "tracking_number": s.tracking_number, "status": s.status,
                       "estimated_delivery": _iso(s.estimated_delivery), "delivered_at": _iso(s.delivered_at)}
                      for s in order.shipments],
        "refunds": [{"amount": f"{r.amount:.2f}", "status": r.status, "created_at": _iso(r.created_at)}
                    for r in order.refunds],
        "returns": [{"reason": r.reason, "status": r.status, "created_at": _iso(r.created_at)}
                    for r in order.returns],
    }


def customer_panel(session: Session, customer_id: int, *, orders: int = ORDERS_SHOWN) -> dict[str, Any] | None:
    """The customer's profile and newest orders (JSON-ready), or None when there is no such customer.

    ``risk`` is the fraud screening summary (``backoffice.fraud.shop.customer_risk``).
    """
    from backoffice.fraud.shop import customer_risk  # pandas and the model load only when a panel is shown

    customer = session.get(Customer, customer_id)
    if customer is None:
        return None
    recent = session.scalars(
        select(Order).where(Order.customer_id == customer_id).order_by(Order.placed_at.desc()).limit(orders)
        .options(selectinload(Order.shipments), selectinload(Order.refunds), selectinload(Order.returns))
    ).all()
    return {
        "profile": {"id": customer.id, "name": customer.name, "email": customer.email, "country": customer.country,
                    "since": _iso(customer.created_at), "newsletter": customer.newsletter},
        "orders": [_order(order) for order in recent],
        "risk": customer_risk(session, customer_id),
    }
