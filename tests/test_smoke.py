"""Boot the real stack (Rasa server, action server, web front) and chat with it over HTTP.

Needs the trained model in models/ (``make test`` trains it first). The store is the hand-made test store, so
answers can be checked exactly.
"""

from __future__ import annotations

import os
import secrets
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from backoffice.db import make_engine, session_factory
from backoffice.migrate import upgrade
from backoffice.models import Order, SupportTicket
from scripts.stack import Stack, StackConfig, free_port
from tests.factories import build_store

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('smoke') / 'store.db'}"
    upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        build_store(session)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def stack(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not any((ROOT / "models").glob("*.tar.gz")):
        pytest.fail("no trained model in models/: run `make train` (make test does it first)")
    config = StackConfig(
        rasa_port=free_port(), action_port=free_port(), web_port=free_port(),
        log_dir=tmp_path_factory.mktemp("logs"),
        env={"DATABASE_URL": database, "SHOPDESK_SECRET_KEY": secrets.token_hex(16), "SHOPDESK_DEMO_MODE": "true"},
    )
    with Stack(config) as running:
        running.wait_ready(timeout=300)
        yield running


def client(stack: Stack) -> httpx.Client:
    return httpx.Client(base_url=stack.web_url, timeout=60, trust_env=False)


def say(chat: httpx.Client, text: str) -> str:
    response = chat.post("/api/chat", json={"message": text})
    assert response.status_code == 200, response.text
    return " ".join(m.get("text") or "" for m in response.json()["messages"])


def buttons(chat: httpx.Client, text: str) -> list[dict[str, str]]:
    response = chat.post("/api/chat", json={"message": text})
    return [b for m in response.json()["messages"] for b in m.get("buttons") or []]


def test_anonymous_shopper_tracks_an_order_with_its_email(stack: Stack) -> None:
    with client(stack) as chat:
        assert "How can I help" in say(chat, "hello")
        assert "e-mail address you used for order 600004" in say(chat, "where is my order 600004?")
        answer = say(chat, "it's alice@example.com")
        assert "Order 600004" in answer and "on its way" in answer and "Royal Mail" in answer
        assert "Order 600004:" in say(chat, "and when will it arrive?")


def test_anonymous_when_will_order_n_arrive_asks_for_the_email_first(stack: Stack) -> None:
    with client(stack) as chat:
        assert "e-mail address you used for order 600004" in say(chat, "when will order 600004 arrive?")
        assert "Royal Mail" in say(chat, "alice@example.com")


def test_foreign_and_unknown_orders_get_the_same_answer(stack: Stack) -> None:
    answers = []
    for number in ("600004", "999999"):
        with client(stack) as chat:
            say(chat, f"track order {number}")
            answers.append(say(chat, "bob@example.com").replace(number, "N"))
    assert answers[0] == answers[1]
    assert "couldn't confirm order N with that e-mail" in answers[0]


def test_signed_in_shopper_picks_the_second_order_and_cancels_it(stack: Stack, database: str) -> None:
    with client(stack) as chat:
        assert chat.post("/api/session/login", json={"email": "alice@example.com"}).status_code == 200
        assert "Alice" in say(chat, "hi")
        offered = buttons(chat, "I want to cancel an order")
        assert [b["title"].split(" ")[0] for b in offered][:3] == ["600001", "600002", "600003"]
        confirm = say(chat, "the second one")
        assert "Shall I cancel order 600002" in confirm
        assert "order 600002 is cancelled" in say(chat, "yes")
    with session_factory(make_engine(database))() as session:
        assert session.scalars(select(Order.status).where(Order.number == "600002")).one() == "cancelled"


def test_policy_refusal_says_why(stack: Stack) -> None:
    with client(stack) as chat:
        chat.post("/api/session/login", json={"email": "alice@example.com"})
        assert "already shipped" in say(chat, "please cancel order 600004")


def test_policy_question_is_answered_from_the_knowledge_base(stack: Stack) -> None:
    with client(stack) as chat:
        assert "PayPal" in say(chat, "which payment methods do you accept?")


def test_asking_for_a_person_opens_a_ticket_with_the_transcript(stack: Stack, database: str) -> None:
    with client(stack) as chat:
        # An upset shopper is handed to a person at once; otherwise asking for one does it.
        first = say(chat, "my parcel never came and nobody answers my emails")
        assert "ticket #" in first or "ticket #" in say(chat, "I want to talk to a human agent")
    with session_factory(make_engine(database))() as session:
        tickets = session.scalars(select(SupportTicket)).all()
        assert any("my parcel never came" in m.text for t in tickets for m in t.messages)


def test_bad_input_is_answered_politely(stack: Stack) -> None:
    with client(stack) as chat:
        assert chat.post("/api/chat", json={"message": "   "}).status_code == 422
        assert chat.post("/api/chat", json={"message": "x" * 5000}).status_code == 413
        assert "Which order" in say(chat, "where is my order?")
        assert "doesn't look like an order number" in say(chat, "12345")


def test_dead_action_server_gets_a_polite_answer(stack: Stack) -> None:
    """Runs last: it stops the action server of this test's stack."""
    actions = next(child for child in stack.children if child.name == "actions")
    assert actions.process is not None
    os.killpg(actions.process.pid, signal.SIGKILL)  # its own process group: the server and its workers
    actions.process.wait(timeout=30)
    with client(stack) as chat:
        assert "something went wrong on our side" in say(chat, "hello")
