"""The customer panel next to a conversation: profile and newest orders with deliveries, refunds and returns."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.customer_panel import customer_panel
from backoffice.models import Order, Refund, Return
from tests.factories import NOW, build_store


def test_unknown_customer_has_no_panel(session: Session) -> None:
    build_store(session)
    assert customer_panel(session, 9999) is None


def test_profile_and_orders_newest_first(session: Session) -> None:
    store = build_store(session)
    panel = customer_panel(session, store.alice.id)
    assert panel is not None
    assert panel["profile"] == {"id": 101, "name": "Alice Archer", "email": "alice@example.com",
                                "country": "United Kingdom", "since": (NOW - timedelta(days=400)).isoformat(),
                                "newsletter": False}
    assert [o["number"] for o in panel["orders"]] == ["600001", "600002", "600003", "600004", "600005", "600006"]
    assert panel["risk"]["level"] == "low" and panel["risk"]["held_orders"] == []  # fraud screening summary
    assert "700001" not in [o["number"] for o in panel["orders"]]  # Bob's order is not Alice's


def test_an_order_shows_its_total_status_and_shipment(session: Session) -> None:
    store = build_store(session)
    panel = customer_panel(session, store.alice.id)
    assert panel is not None
    shipped = next(o for o in panel["orders"] if o["number"] == "600004")
    assert (shipped["status"], shipped["total"], shipped["currency"]) == ("shipped", "4.20", "GBP")
    assert shipped["placed_at"] == (NOW - timedelta(days=2)).isoformat()
    assert shipped["shipments"] == [{
        "carrier": "Royal Mail", "tracking_number": "RM600004GB", "status": "in_transit",
        "estimated_delivery": (NOW + timedelta(days=2)).date().isoformat(), "delivered_at": None}]
    delivered = next(o for o in panel["orders"] if o["number"] == "600005")
    assert delivered["shipments"][0]["delivered_at"] == (NOW - timedelta(days=7)).isoformat()
    assert delivered["refunds"] == [] and delivered["returns"] == []


def test_refunds_and_returns_are_listed_with_their_order(session: Session) -> None:
    store = build_store(session)
    order = store.orders["delivered"]
    order.refunds.append(Refund(amount=Decimal("6.78"), reason="damaged", status="approved",
                                created_at=NOW - timedelta(days=1)))
    order.returns.append(Return(reason="damaged", status="received", created_at=NOW - timedelta(days=2)))
    session.commit()
    panel = customer_panel(session, store.alice.id)
    assert panel is not None
    shown = next(o for o in panel["orders"] if o["number"] == "600005")
    assert shown["refunds"] == [{"amount": "6.78", "status": "approved",
                                 "created_at": (NOW - timedelta(days=1)).isoformat()}]
    assert shown["returns"] == [{"reason": "damaged", "status": "received",
                                 "created_at": (NOW - timedelta(days=2)).isoformat()}]


def test_only_the_newest_orders_are_shown(session: Session) -> None:
    store = build_store(session)
    panel = customer_panel(session, store.alice.id, orders=2)
    assert panel is not None
    assert [o["number"] for o in panel["orders"]] == ["600001", "600002"]


def test_a_customer_without_orders_has_an_empty_list(session: Session) -> None:
    from backoffice.models import Customer

    session.add(Customer(id=303, email="new@example.com", name="New Person", country="Ireland", created_at=NOW,
                         newsletter=True))
    session.commit()
    panel = customer_panel(session, 303)
    assert panel is not None
    assert panel["orders"] == [] and panel["profile"]["newsletter"] is True


def test_a_held_order_raises_the_customers_risk(session: Session) -> None:
    store = build_store(session)
    order = session.scalars(select(Order).where(Order.number == "600002")).one()
    order.fraud_score, order.fraud_hold, order.fraud_reasons = 0.9, True, ["new device"]
    session.flush()
    panel = customer_panel(session, store.alice.id)
    assert panel is not None and panel["risk"]["level"] == "high"
