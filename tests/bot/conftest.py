"""A fake Rasa (httpx MockTransport) and fake customer directory for the web front tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from backoffice.config import Settings
from backoffice.db import make_engine, session_factory
from backoffice.migrate import upgrade
from backoffice.models import Customer
from bot.accounts import Account
from bot.app import create_app

SECRET = "test-secret-for-bot-tests"
CUSTOMERS = {"ada@example.com": Account(customer_id=7, name="Ada Lovelace")}


@dataclass
class FakeRasa:
    """Records what the web front sent to the REST channel and answers with ``reply``."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    reply: Callable[[dict[str, Any]], httpx.Response] | None = None
    down: bool = False

    def handler(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if request.method == "GET" and request.url.path == "/":
            return httpx.Response(200, text="Hello from Rasa: 3.6.21")
        assert request.url.path == "/webhooks/shopdesk/webhook"
        assert request.headers["authorization"].startswith("Bearer ")
        body = json.loads(request.content)
        self.requests.append(body)
        if self.reply is not None:
            return self.reply(body)
        return httpx.Response(200, json=[{"recipient_id": body["sender"], "text": f"echo: {body['message']}"}])


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A fresh, migrated SQLite store for one test."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(url)
    engine = make_engine(url)
    with session_factory(engine).begin() as session:
        for email, account in CUSTOMERS.items():
            session.add(Customer(id=account.customer_id, email=email, name=account.name, country="United Kingdom",
                                 created_at=datetime(2024, 1, 1)))
    engine.dispose()
    return url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(secret_key=SECRET, rasa_url="http://rasa.test", demo_mode=True, env="development",
                    database_url=database_url, chat_burst=100, chat_per_minute=600)


@pytest.fixture
def fake_rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def make_client(settings: Settings, fake_rasa: FakeRasa) -> Iterator[Callable[..., TestClient]]:
    """Build independent clients (own cookie jars) against one app."""
    app = create_app(
        settings,
        rasa_transport=httpx.MockTransport(fake_rasa.handler),
        accounts=lambda email: CUSTOMERS.get(email.lower()),
    )
    clients: list[TestClient] = []

    def factory() -> TestClient:
        client = TestClient(app, base_url="http://testserver")
        client.__enter__()
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()
