"""The console's fraud review queue: operators only, a reason is required, decisions reach every console."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.config import ROOT
from backoffice.db import make_engine, session_factory
from backoffice.fraud.shop import review
from backoffice.knowledge import KnowledgeBase
from backoffice.models import FraudLabel, Order
from backoffice.orders import cancel
from backoffice.staff import create_staff
from bot import fraud_review
from bot.fraud_review import NO_ORDER
from tests.factories import build_store

PASSWORD = "correct horse battery"
RULES = KnowledgeBase.load(ROOT / "backoffice" / "kb" / "policies.yml").rules


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("backoffice.staff.accounts._hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def shop(database_url: str) -> None:
    """The factory store (its own customer ids), order 600002 held, an operator and an agent."""
    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        build_store(session)
        held = session.scalars(select(Order).where(Order.number == "600002")).one()
        held.fraud_score, held.fraud_hold, held.fraud_reasons = 0.9, True, ["new device", "new delivery address"]
        for username, role in (("olivia", "operator"), ("sam", "agent")):
            create_staff(session, username=username, display_name=username.title(), role=role, password=PASSWORD,
                         now=datetime(2026, 11, 20))
        session.commit()
    engine.dispose()


def logged_in(make_client: Callable[[], TestClient], username: str) -> tuple[TestClient, dict[str, str]]:
    client = make_client()
    response = client.post("/api/console/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return client, {"x-csrf-token": response.json()["csrf_token"]}


def test_agents_and_shoppers_cannot_review(shop: None, make_client: Callable[[], TestClient]) -> None:
    agent, csrf = logged_in(make_client, "sam")
    assert agent.get("/api/console/fraud/queue").status_code == 403
    refused = agent.post("/api/console/fraud/orders/600002/review", headers=csrf,
                         json={"decision": "approve", "reason": "looks fine"})
    assert refused.status_code == 403
    shopper = make_client()
    assert shopper.get("/api/console/fraud/queue").status_code == 401


def test_operator_sees_the_queue_and_why(shop: None, make_client: Callable[[], TestClient]) -> None:
    operator, _ = logged_in(make_client, "olivia")
    queue = operator.get("/api/console/fraud/queue").json()["orders"]
    assert [o["number"] for o in queue] == ["600002"]
    why = operator.get("/api/console/fraud/orders/600002").json()
    assert "held for review" in why["text"] and "new device" in why["text"]
    assert operator.get("/api/console/fraud/orders/999999").status_code == 404


def test_a_decision_needs_a_reason_and_is_pushed_live(shop: None, make_client: Callable[[], TestClient]) -> None:
    operator, csrf = logged_in(make_client, "olivia")
    assert operator.post("/api/console/fraud/orders/600002/review", headers=csrf,
                         json={"decision": "approve", "reason": " "}).status_code == 422
    assert operator.post("/api/console/fraud/orders/600002/review",
                         json={"decision": "approve", "reason": "no token"}).status_code == 403
    with operator.websocket_connect("/ws/console") as live:
        done = operator.post("/api/console/fraud/orders/600002/review", headers=csrf,
                             json={"decision": "approve", "reason": "customer confirmed by phone"})
        assert done.status_code == 200
        assert done.json()["held"] is False and done.json()["review"]["staff"] == "Olivia"
        event = live.receive_json()
        assert event["type"] == "fraud" and event["order"]["number"] == "600002"
    assert operator.get("/api/console/fraud/queue").json()["orders"] == []


def test_a_decision_on_an_order_cancelled_meanwhile_is_a_conflict(
    shop: None, make_client: Callable[[], TestClient], database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def shopper_cancels_first(session: Session, number: str, *args: Any, **kwargs: Any) -> FraudLabel:
        seen = session.scalars(select(Order).where(Order.number == number)).one()  # what the review reads
        engine = make_engine(database_url)
        with session_factory(engine)() as other:  # the shopper's "yes" lands between the read and the write
            cancel(other, other.scalars(select(Order).where(Order.number == number)).one(), rules=RULES,
                   now=datetime(2026, 11, 20, 12))
            other.commit()
        engine.dispose()
        return review(session, seen, *args, **kwargs)

    monkeypatch.setattr("bot.fraud_review.review", shopper_cancels_first)
    operator, csrf = logged_in(make_client, "olivia")
    refused = operator.post("/api/console/fraud/orders/600002/review", headers=csrf,
                            json={"decision": "reject", "reason": "card reported stolen"})
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "Order 600002 was changed a moment ago (it is now cancelled), so I left it as it is.")
    why = operator.get("/api/console/fraud/orders/600002").json()
    assert (why["status"], why["held"], why["review"]) == ("cancelled", True, None)  # nothing of the review stored


def test_a_reason_is_stored_as_clean_text(shop: None, make_client: Callable[[], TestClient]) -> None:
    # Found by tests/bot/test_fuzz.py: a lone surrogate in the reason was a 500; a NUL was stored and sent back.
    operator, csrf = logged_in(make_client, "olivia")
    raw_json = {**csrf, "content-type": "application/json"}
    short = operator.post("/api/console/fraud/orders/600002/review", headers=raw_json,
                          content=b'{"decision": "approve", "reason": "\\u0000\\u0000 ok"}')
    assert short.status_code == 422 and short.json()["error"] is True
    done = operator.post("/api/console/fraud/orders/600002/review", headers=raw_json,
                         content=b'{"decision": "approve", "reason": " phoned \\ud800 her\\u0000, cafe\\u0301 "}')
    assert done.status_code == 200
    assert done.json()["review"]["reason"] == "phoned \ufffd her, caf\u00e9"


def test_an_order_number_with_a_nul_is_404_before_the_database(shop: None, make_client: Callable[[], TestClient],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # test_fuzz.py sends %00 in every path: SQLite finds no such order, PostgreSQL refuses the query (a 500).
    operator, csrf = logged_in(make_client, "olivia")
    looked_up: list[str] = []
    real = fraud_review.explain

    def recording(session: Any, number: str) -> Any:
        looked_up.append(number)
        return real(session, number)

    monkeypatch.setattr(fraud_review, "explain", recording)
    assert operator.get("/api/console/fraud/orders/600002%00").json() == {"detail": NO_ORDER, "error": True}
    refused = operator.post("/api/console/fraud/orders/%00600002/review", headers=csrf,
                            json={"decision": "approve", "reason": "looks fine"})
    assert refused.status_code == 404 and refused.json()["detail"] == NO_ORDER
    assert looked_up == []
    assert operator.get("/api/console/fraud/orders/600002").status_code == 200
