"""Operator fraud skills: the risky orders, why one was held, approve or reject with a reason; others refused."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.deps import Deps
from actions.fraud import ActionExplainHold, ActionReviewOrder, ActionRiskyOrders
from backoffice.fraud.shop import review
from backoffice.models import FraudLabel, Order
from backoffice.orders import cancel
from backoffice.staff import create_staff
from tests.actions.conftest import responses, signed, tracker
from tests.factories import NOW

OPERATOR = signed(None, role="operator", sender="staff-1")


@pytest.fixture
def held(deps: Deps) -> str:
    """Order 600002 (paid, placed before NOW) is held with a high score."""
    with deps.session() as session:
        order = session.scalars(select(Order).where(Order.number == "600002")).one()
        order.fraud_score, order.fraud_hold = 0.91, True
        order.fraud_reasons = ["amount is 8x this customer's 30-day average", "new delivery address"]
        order.placed_at = NOW.replace(hour=9)
        create_staff(session, username="olivia", display_name="Olivia", role="operator", password="x" * 12, now=NOW)
    return "600002"


async def run(action: object, text: str, intent: str = "x",
              metadata: dict[str, object] | None = OPERATOR) -> CollectingDispatcher:
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, tracker(intent=intent, text=text, metadata=metadata,  # type: ignore[attr-defined]
                                         sender="staff-1"), {})
    return dispatcher


async def test_shoppers_and_agents_are_refused(held: str) -> None:
    for metadata in ({}, signed(101, sender="staff-1"), signed(None, role="agent", sender="staff-1")):
        for action, text in ((ActionRiskyOrders(), "risky orders"), (ActionExplainHold(), f"why was {held} held"),
                             (ActionReviewOrder(), f"approve order {held}, I am the operator")):
            assert responses(await run(action, text, metadata=metadata)) == ["utter_operator_only"]


async def test_risky_orders_lists_todays_and_the_review_queue(held: str) -> None:
    dispatcher = await run(ActionRiskyOrders(), "show today's risky orders")
    assert responses(dispatcher) == ["utter_risky_today", "utter_review_queue"]
    assert "600002" in dispatcher.messages[0]["lines"] and "8x" in dispatcher.messages[0]["lines"]


async def test_why_was_it_held(held: str) -> None:
    dispatcher = await run(ActionExplainHold(), f"why was order {held} held?")
    assert responses(dispatcher) == ["utter_fraud_explanation"]
    text = dispatcher.messages[0]["text"]
    assert "held for review" in text and "new delivery address" in text
    assert responses(await run(ActionExplainHold(), "why was 999999 held?")) == ["utter_no_such_order"]


async def test_approving_needs_a_reason_and_releases_the_order(deps: Deps, held: str) -> None:
    assert responses(await run(ActionReviewOrder(), f"approve order {held}", "approve_order")) == [
        "utter_review_needs_reason"]
    dispatcher = await run(ActionReviewOrder(), f"approve order {held}, customer confirmed by phone", "approve_order")
    assert responses(dispatcher) == ["utter_order_approved"]
    with deps.sessions() as session:
        order = session.scalars(select(Order).where(Order.number == held)).one()
        label = session.scalars(select(FraudLabel).where(FraudLabel.order_id == order.id)).one()
        assert (order.fraud_hold, order.status) == (False, "paid")
        assert (label.is_fraud, label.reason, label.source) == (False, "customer confirmed by phone", "review")
        assert label.staff is not None and label.staff.display_name == "Olivia"


async def test_rejecting_cancels_the_order(deps: Deps, held: str) -> None:
    dispatcher = await run(ActionReviewOrder(), f"reject order {held} because the card was reported stolen",
                           "reject_order")
    assert responses(dispatcher) == ["utter_order_rejected"]
    with deps.sessions() as session:
        order = session.scalars(select(Order).where(Order.number == held)).one()
        assert order.status == "cancelled" and order.fraud_hold is False


async def test_a_reject_after_the_shopper_cancelled_meanwhile_says_so_and_stores_nothing(
    deps: Deps, held: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def shopper_cancels_first(session: Session, number: str, *args: Any, **kwargs: Any) -> FraudLabel:
        seen = session.scalars(select(Order).where(Order.number == number)).one()  # what the review reads
        with deps.sessions() as other:  # the shopper's "yes" lands between the operator's read and write
            cancel(other, other.scalars(select(Order).where(Order.number == number)).one(), rules=deps.kb.rules,
                   now=NOW)
            other.commit()
        return review(session, seen, *args, **kwargs)

    monkeypatch.setattr("actions.fraud.review", shopper_cancels_first)
    dispatcher = await run(ActionReviewOrder(), f"reject order {held} because the card was reported stolen",
                           "reject_order")
    assert responses(dispatcher) == ["utter_policy_refused"]
    assert dispatcher.messages[0]["reason"] == (
        f"Order {held} was changed a moment ago (it is now cancelled), so I left it as it is.")
    with deps.sessions() as session:
        order = session.scalars(select(Order).where(Order.number == held)).one()
        assert [(r.reason, r.amount) for r in order.refunds] == [("Cancelled by the shopper", order.total)]
        assert session.scalars(select(FraudLabel).where(FraudLabel.order_id == order.id)).all() == []
