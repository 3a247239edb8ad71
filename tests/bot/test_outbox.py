"""The demo mailbox endpoint: the newest outbox messages in demo mode, 404 otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backoffice.config import Settings
from backoffice.mail import OutboxMailer, compose

CODE_MAIL = compose(sender="Shop <shop@example.com>", to="Ada <ada@example.com>",
                    subject="123456 is your code for order 600002", body="Your code is 123456")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(secret_key="test-secret-for-bot-tests", rasa_url="http://rasa.test", demo_login=True,
                    env="development", database_url=database_url, demo_mode=True, mail_outbox=tmp_path / "outbox")


def test_demo_mode_lists_the_newest_messages(client: TestClient, settings: Settings) -> None:
    assert client.get("/api/demo/outbox").json() == {"messages": []}  # nothing sent yet
    outbox = OutboxMailer(settings.mail_outbox)
    outbox.send(compose(sender="s@example.com", to="grace@example.com", subject="older", body="Hello Grace"))
    outbox.send(CODE_MAIL)
    response = client.get("/api/demo/outbox")
    assert response.status_code == 200
    messages = response.json()["messages"]
    assert [m["subject"] for m in messages] == ["123456 is your code for order 600002", "older"]
    assert messages[0]["to"] == ["ada@example.com"] and messages[0]["body"] == "Your code is 123456"
    assert messages[0]["sent_at"].endswith("Z")
    only_ada = client.get("/api/demo/outbox", params={"to": "ADA@example.com"}).json()["messages"]
    assert [m["subject"] for m in only_ada] == ["123456 is your code for order 600002"]


def test_without_demo_mode_there_is_no_outbox(make_client, settings: Settings) -> None:
    settings.demo_mode = False
    OutboxMailer(settings.mail_outbox).send(CODE_MAIL)
    response = make_client().get("/api/demo/outbox")
    assert response.status_code == 404
    assert "123456" not in response.text


def test_demo_mode_is_off_by_default() -> None:
    assert Settings().demo_mode is False
