"""The shop's fraud flow on the real test database: score when placed, hold, neutral shopper view, review
(stored as a label that retraining uses), explain, the risky-orders list and the customer risk summary."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backoffice.config import ROOT
from backoffice.fraud import shop
from backoffice.knowledge import KnowledgeBase
from backoffice.models import Customer, FraudLabel, Order, Payment, StaffMember
from backoffice.orders import view
from backoffice.policy import can_cancel, can_change_address, can_ship

NOW = datetime(2026, 11, 20, 12, 0)


def _order(session: Session, number: int, customer: Customer, at: datetime, amount: float, card: str, device: str,
           address: str, status: str = "delivered") -> Order:
    total = Decimal(f"{amount:.2f}")
    order = Order(number=str(number), customer=customer, email=customer.email, status=status, placed_at=at,
                  total=total, ship_line1="1 High Street", ship_city="Leeds", ship_postcode="LS1 1AA",
                  ship_country="United Kingdom", payment_instrument_id=card, device_id=device,
                  delivery_address_id=address)
    order.payments.append(Payment(method="card", amount=total, status="captured", created_at=at))
    session.add(order)
    return order


@pytest.fixture
def store(sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    """60 days of orders from 30 customers; every other day a simulated fraud (a large order on a stolen card,
    from a fraudster's device, to a drop address); then the model is trained from the stored labels."""
    monkeypatch.setenv(shop.MODEL_ENV, str(tmp_path / "fraud.joblib"))
    monkeypatch.setenv(shop.BUDGET_ENV, "1")
    shop.forget_cache()
    rng = np.random.default_rng(7)
    with sessions() as session:
        customers = [Customer(id=i, email=f"c{i}@example.com", name=f"Customer {i}", country="United Kingdom",
                              created_at=NOW - timedelta(days=400)) for i in range(1, 31)]
        session.add_all(customers)
        session.add(StaffMember(id=1, username="olivia", display_name="Olivia Park", role="operator",
                                password_hash="x", created_at=NOW))
        number = 600000
        for day in range(60, 0, -1):
            for c in customers:
                if rng.random() < 0.5:
                    number += 1
                    at = NOW - timedelta(days=day, seconds=int(rng.integers(0, 80000)))
                    _order(session, number, c, at, 20 + c.id * 2 + rng.normal(0, 5), f"card-{c.id}", f"dev-{c.id}",
                           f"addr-{c.id}")
            if day % 2 == 0:
                number += 1
                victim = customers[int(rng.integers(0, 30))]
                at = NOW - timedelta(days=day, seconds=int(rng.integers(0, 80000)))
                fraud = _order(session, number, victim, at, 400 + rng.normal(0, 30), f"card-{(victim.id % 30) + 1}",
                               f"dev-bad-{day % 3}", f"addr-drop-{day % 3}")
                session.add(FraudLabel(order=fraud, is_fraud=True, source="simulated", simulated=True,
                                       scenario="compromised_instrument", reason="SIMULATED",
                                       created_at=at + timedelta(days=7), known_at=at + timedelta(days=7)))
        session.commit()
        shop.retrain(session, now=NOW)
        yield session
    shop.forget_cache()


def _new(session: Session, number: str, customer_id: int, risky: bool) -> Order:
    customer = session.get(Customer, customer_id)
    assert customer is not None
    if risky:
        order = _order(session, int(number), customer, NOW, 420.0, "card-9", "dev-bad-1", "addr-drop-1", "paid")
    else:
        order = _order(session, int(number), customer, NOW, 20 + customer_id * 2, f"card-{customer_id}",
                       f"dev-{customer_id}", f"addr-{customer_id}", "paid")
    session.flush()
    return order


def test_a_risky_new_order_is_held_with_reasons_and_a_normal_one_passes(store: Session) -> None:
    risky = _new(store, "900001", 5, risky=True)
    normal = _new(store, "900002", 6, risky=False)
    held = shop.score_order(store, risky, now=NOW)
    passed = shop.score_order(store, normal, now=NOW)
    assert held.decision == "hold" and risky.fraud_hold and risky.fraud_score == pytest.approx(held.probability, 1e-5)
    assert held.reasons and all(isinstance(words, str) for words in held.reasons)
    assert passed.decision == "pass" and not normal.fraud_hold
    assert held.probability > 10 * passed.probability
    assert can_ship(risky).allowed is False and can_ship(normal).allowed is True


def test_the_shopper_sees_nothing_about_fraud(store: Session) -> None:
    risky = _new(store, "900003", 7, risky=True)
    shop.score_order(store, risky, now=NOW)
    assert risky.fraud_hold
    shown = view(risky)
    assert shown.status == "paid"
    assert not any(word in repr(shown).lower() for word in ("fraud", "hold", "risk", "review"))
    rules = KnowledgeBase.load(ROOT / "backoffice" / "kb" / "policies.yml").rules
    assert can_cancel(risky, rules).allowed  # a shopper may still cancel it
    refusal = can_change_address(risky, rules)
    assert not refusal.allowed and "being processed" in refusal.reason
    assert not any(word in refusal.reason.lower() for word in ("fraud", "hold", "risk", "review", "suspic"))


def test_review_decisions_are_labels_that_retraining_uses(store: Session) -> None:
    approve, reject = _new(store, "900004", 8, risky=True), _new(store, "900005", 9, risky=True)
    for order in (approve, reject):
        shop.score_order(store, order, now=NOW)
    queue = [item["number"] for item in shop.held_orders(store)]
    assert {"900004", "900005"} <= set(queue)
    with pytest.raises(ValueError, match="reason"):
        shop.review(store, "900004", "approve", "  ", 1, now=NOW)
    with pytest.raises(ValueError, match="approve"):
        shop.review(store, "900004", "ship it", "ok", 1, now=NOW)
    shop.review(store, "900004", "approve", "Customer confirmed by phone", 1, now=NOW)
    shop.review(store, reject, "reject", "Card reported stolen", 1, now=NOW)
    store.commit()
    assert not approve.fraud_hold and approve.status == "paid"
    assert not reject.fraud_hold and reject.status == "cancelled" and reject.refunds[0].amount == reject.total
    labels = store.scalars(select(FraudLabel).where(FraudLabel.source == "review").order_by(FraudLabel.id)).all()
    assert [(lb.order.number, lb.is_fraud, lb.simulated, lb.staff_id) for lb in labels] == [
        ("900004", False, False, 1), ("900005", True, False, 1)]
    assert [item["number"] for item in shop.held_orders(store)] == []
    frame = shop.store_frame(store, as_of=NOW).set_index("TRANSACTION_ID")
    assert frame.loc[approve.id, "TX_FRAUD"] == 0 and frame.loc[reject.id, "TX_FRAUD"] == 1
    bundle = shop.retrain(store, now=NOW)
    assert bundle.info["frauds"] == int(frame["TX_FRAUD"].sum())  # the rejected order is among them


def test_operator_views_risky_orders_explain_and_customer_risk(store: Session) -> None:
    risky = _new(store, "900006", 10, risky=True)
    shop.score_order(store, risky, now=NOW)
    store.commit()
    today = shop.risky_orders(store, NOW.date())
    assert today[0]["number"] == "900006" and today[0]["held"] and today[0]["reasons"]
    assert shop.risky_orders(store, NOW.date() + timedelta(days=1)) == []
    info = shop.explain(store, "#900006")
    assert info is not None and "held for review" in info["text"] and info["threshold"] is not None
    assert shop.explain(store, "123456") is None
    risk = shop.customer_risk(store, 10, now=NOW)
    assert risk is not None and risk["level"] == "high" and risk["held_orders"] == ["900006"]
    assert shop.customer_risk(store, 999, now=NOW) is None
    shop.review(store, risky, "approve", "Known customer", None, now=NOW)
    assert "approved" in (shop.explain(store, "900006") or {})["text"]


def test_an_order_already_in_the_history_is_rescored_as_of_its_placement(store: Session) -> None:
    order = store.scalars(select(Order).where(Order.device_id.like("dev-bad-%")).order_by(Order.placed_at.desc())
                          ).first()
    assert order is not None
    first = shop.score_order(store, order, now=NOW, hold=False)
    again = shop.score_order(store, order, now=NOW, hold=False)
    assert first.probability == pytest.approx(again.probability) and not order.fraud_hold


def test_without_a_model_scoring_says_how_to_get_one(session: Session, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(shop.MODEL_ENV, str(tmp_path / "none.joblib"))
    shop.forget_cache()
    with pytest.raises(ValueError, match="retrain"):
        shop.score_order(session, Order(id=1), now=NOW)
