"""The demo sign-in against a real (migrated) back office database."""

from __future__ import annotations

import json
from datetime import datetime

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from backoffice.config import Settings
from backoffice.db import session_factory
from backoffice.identity import verify
from backoffice.models import Customer
from bot.accounts import Account, DatabaseAccounts
from bot.app import create_app


def _seed(engine: Engine) -> int:
    with session_factory(engine)() as session:
        customer = Customer(
            email="Grace@Example.com", name="Grace Hopper", country="UK", created_at=datetime(2024, 1, 1)
        )
        session.add(customer)
        session.commit()
        return customer.id


def test_database_accounts_find_by_email(engine: Engine) -> None:
    customer_id = _seed(engine)
    accounts = DatabaseAccounts(engine.url.render_as_string(hide_password=False))
    try:
        assert accounts("grace@example.com") == Account(customer_id=customer_id, name="Grace Hopper")
        assert accounts("nobody@example.com") is None
    finally:
        accounts.close()


def test_login_through_database_signs_customer_id(engine: Engine) -> None:
    customer_id = _seed(engine)
    sent: list[dict[str, object]] = []

    def rasa(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json=[{"text": "ok"}])

    settings = Settings(
        secret_key="db-test-secret",
        rasa_url="http://rasa.test",
        database_url=engine.url.render_as_string(hide_password=False),
        demo_mode=True,
        env="development",
    )
    with TestClient(create_app(settings, rasa_transport=httpx.MockTransport(rasa))) as client:
        assert client.post("/api/session/login", json={"email": "nobody@example.com"}).status_code == 404
        assert client.post("/api/session/login", json={"email": "GRACE@example.com"}).json()["name"] == "Grace Hopper"
        client.post("/api/chat", json={"message": "where is my order?"})
    body = sent[-1]
    assert isinstance(body["sender"], str) and isinstance(body["metadata"], dict) and isinstance(body["message"], str)
    assert verify(body["sender"], body["metadata"], "db-test-secret", text=body["message"]).customer_id == customer_id


def test_an_email_with_a_lone_surrogate_or_nul_is_unknown_not_an_outage(engine: Engine) -> None:
    # Found by tests/bot/test_fuzz.py: the database lookup raised on "\ud800@x" and the sign-in answered 503.
    _seed(engine)
    settings = Settings(secret_key="db-test-secret", rasa_url="http://rasa.test", demo_mode=True, env="development",
                        database_url=engine.url.render_as_string(hide_password=False))
    with TestClient(create_app(settings, rasa_transport=httpx.MockTransport(lambda r: httpx.Response(200)))) as client:
        for raw in (b'{"email": "\\ud800@x"}', b'{"email": "grace@example.com\\udc00"}',
                    b'{"email": "grace@example.com\\u0000"}'):
            response = client.post("/api/session/login", content=raw, headers={"content-type": "application/json"})
            assert response.status_code == 404, raw
            assert response.json()["error"] is True
        assert client.post("/api/session/login", json={"email": "grace@example.com"}).status_code == 200
