"""The chat relay: identity comes from the cookie and is signed; bad input and a missing Rasa get polite answers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from backoffice.identity import Identity, verify
from bot.app import EMPTY_TEXT, NO_REPLY_TEXT, TOO_LONG_TEXT, UNAVAILABLE_TEXT

SECRET = "test-secret-for-bot-tests"  # the key the ``settings`` fixture in conftest.py uses
FakeRasa = Any  # conftest.FakeRasa: records REST-channel requests, can be ``down`` or given a ``reply``


def shown(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages without their storage fields (id, time, sender)."""
    return [{k: v for k, v in m.items() if k not in ("id", "at", "sender")} for m in messages]


def _login(client: TestClient, email: str = "ada@example.com") -> None:
    response = client.post("/api/session/login", json={"email": email})
    assert response.status_code == 200, response.text


def test_anonymous_metadata_is_signed_shopper(client: TestClient, fake_rasa: FakeRasa) -> None:
    response = client.post("/api/chat", json={"message": "hello"})
    assert response.status_code == 200
    assert shown(response.json()["messages"]) == [{"text": "echo: hello"}]
    assert response.json()["sent"]["text"] == "hello" and response.json()["sent"]["sender"] == "customer"
    sent = fake_rasa.requests[-1]
    assert sent["message"] == "hello"
    identity = verify(sent["sender"], sent["metadata"], SECRET, text=sent["message"])
    assert identity == Identity(sender_id=sent["sender"], customer_id=None, role="shopper", client="testclient")
    assert sent["metadata"]["shopdesk"]["signature"]


def test_signed_in_customer_is_signed_into_metadata(client: TestClient, fake_rasa: FakeRasa) -> None:
    _login(client)
    client.post("/api/chat", json={"message": "where is my order?"})
    sent = fake_rasa.requests[-1]
    identity = verify(sent["sender"], sent["metadata"], SECRET, text=sent["message"])
    assert identity.customer_id == 7
    assert identity.role == "shopper"
    # the signature is bound to this sender: replaying it for another conversation gives an anonymous shopper
    assert verify("someone-else", sent["metadata"], SECRET, text=sent["message"]).customer_id is None


def test_request_body_cannot_choose_identity(client: TestClient, fake_rasa: FakeRasa) -> None:
    forged: dict[str, Any] = {
        "shopdesk": {"customer_id": 1, "role": "admin", "issued_at": 0, "signature": "00"},
    }
    response = client.post(
        "/api/chat",
        json={"message": "hi", "sender": "victim", "customer_id": 1, "role": "admin", "metadata": forged},
    )
    assert response.status_code == 200
    sent = fake_rasa.requests[-1]
    assert sent["sender"] != "victim"
    assert sent["metadata"] != forged
    identity = verify(sent["sender"], sent["metadata"], SECRET, text=sent["message"])
    assert identity.customer_id is None
    assert identity.role == "shopper"


def test_signed_in_customer_cannot_be_overridden_by_body(client: TestClient, fake_rasa: FakeRasa) -> None:
    _login(client)
    client.post("/api/chat", json={"message": "hi", "customer_id": 1, "metadata": {"customer_id": 1}})
    sent = fake_rasa.requests[-1]
    assert verify(sent["sender"], sent["metadata"], SECRET, text=sent["message"]).customer_id == 7


def test_sender_is_stable_per_cookie_and_distinct_between_clients(
    make_client: Callable[[], TestClient], fake_rasa: FakeRasa
) -> None:
    first, second = make_client(), make_client()
    first.post("/api/chat", json={"message": "one"})
    first.post("/api/chat", json={"message": "two"})
    second.post("/api/chat", json={"message": "three"})
    senders = [r["sender"] for r in fake_rasa.requests]
    assert senders[0] == senders[1]
    assert senders[2] != senders[0]
    assert len(senders[0]) == 32


def test_session_cookie_is_httponly_and_samesite(client: TestClient) -> None:
    response = client.post("/api/chat", json={"message": "hi"})
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("shopdesk_session=")
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


def test_tampered_cookie_starts_a_new_anonymous_session(
    make_client: Callable[[], TestClient], fake_rasa: FakeRasa
) -> None:
    client = make_client()
    _login(client)
    client.post("/api/chat", json={"message": "hi"})
    original = fake_rasa.requests[-1]["sender"]
    value = client.cookies["shopdesk_session"]
    client.cookies.clear()
    client.cookies.set("shopdesk_session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    client.post("/api/chat", json={"message": "hi again"})
    sent = fake_rasa.requests[-1]
    assert sent["sender"] != original
    assert verify(sent["sender"], sent["metadata"], SECRET, text=sent["message"]).customer_id is None


def test_login_and_logout_start_new_conversations(client: TestClient, fake_rasa: FakeRasa) -> None:
    client.post("/api/chat", json={"message": "anonymous"})
    _login(client)
    client.post("/api/chat", json={"message": "signed in"})
    assert client.post("/api/session/logout").json()["signed_in"] is False
    client.post("/api/chat", json={"message": "after logout"})
    senders = [r["sender"] for r in fake_rasa.requests]
    assert len(set(senders)) == 3
    third = fake_rasa.requests[2]
    assert verify(senders[2], third["metadata"], SECRET, text=third["message"]).customer_id is None


def test_empty_and_whitespace_messages_are_refused_politely(client: TestClient, fake_rasa: FakeRasa) -> None:
    for body in ({"message": ""}, {"message": "   \n\t "}, {}):
        response = client.post("/api/chat", json=body)
        assert response.status_code == 422
        assert response.json()["detail"] == EMPTY_TEXT
        assert response.json()["messages"] == [{"text": EMPTY_TEXT}]
    assert fake_rasa.requests == []


def test_malformed_bodies_get_polite_errors(client: TestClient) -> None:
    for kwargs in (
        {"content": b"not json", "headers": {"content-type": "application/json"}},
        {"json": {"message": 42}},
        {"json": ["message"]},
    ):
        response = client.post("/api/chat", **kwargs)
        assert response.status_code == 422
        assert isinstance(response.json()["detail"], str)


def test_too_long_message_is_refused_politely(client: TestClient, fake_rasa: FakeRasa) -> None:
    assert client.post("/api/chat", json={"message": "x" * 2000}).status_code == 200
    response = client.post("/api/chat", json={"message": "x" * 2001})
    assert response.status_code == 413
    assert response.json()["detail"] == TOO_LONG_TEXT
    huge = client.post("/api/chat", json={"message": "x" * 1_000_000})
    assert huge.status_code == 413
    assert huge.json()["detail"] == TOO_LONG_TEXT
    assert len(fake_rasa.requests) == 1


def test_streamed_oversized_body_is_refused_politely(client: TestClient, fake_rasa: FakeRasa) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"message": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    response = client.post("/api/chat", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["detail"] == TOO_LONG_TEXT
    assert fake_rasa.requests == []


def test_rasa_down_gives_polite_message(client: TestClient, fake_rasa: FakeRasa) -> None:
    fake_rasa.down = True
    response = client.post("/api/chat", json={"message": "hello"})
    assert response.status_code == 503
    assert response.json()["messages"] == [{"text": UNAVAILABLE_TEXT}]
    assert client.get("/readyz").status_code == 503
    assert client.get("/healthz").json() == {"status": "ok"}


def test_rasa_timeout_and_errors_give_polite_message(client: TestClient, fake_rasa: FakeRasa) -> None:
    def timeout(body: dict[str, Any]) -> httpx.Response:
        raise httpx.ReadTimeout("timed out")

    for reply in (
        timeout,
        lambda body: httpx.Response(500, text="boom"),
        lambda body: httpx.Response(200, text="<html>not json"),
        lambda body: httpx.Response(200, json={"not": "a list"}),
    ):
        fake_rasa.reply = reply
        response = client.post("/api/chat", json={"message": "hello"})
        assert response.status_code == 503
        assert response.json()["messages"][0]["text"] == UNAVAILABLE_TEXT


def test_readyz_when_rasa_answers(client: TestClient) -> None:
    assert client.get("/readyz").json()["status"] == "ok"


def test_html_in_messages_is_returned_as_data(client: TestClient, fake_rasa: FakeRasa) -> None:
    payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    fake_rasa.reply = lambda body: httpx.Response(
        200,
        json=[
            {"recipient_id": "x", "text": payload},
            {"recipient_id": "x", "text": "pick one", "buttons": [{"title": "<b>Yes</b>", "payload": "/affirm"}]},
            {"recipient_id": "x", "image": "https://example.com/a.png"},
            {"recipient_id": "x", "custom": {"kind": "order", "number": "SD-1"}},
        ],
    )
    response = client.post("/api/chat", json={"message": payload})
    assert response.headers["content-type"].startswith("application/json")
    assert shown(response.json()["messages"]) == [
        {"text": payload},
        {"text": "pick one", "buttons": [{"title": "<b>Yes</b>", "payload": "/affirm"}], "used": None},
        {"text": None, "image": "https://example.com/a.png"},
    ]  # an unknown custom payload is not something the widget can show: it is dropped
    assert fake_rasa.requests[-1]["message"] == payload


def test_malformed_buttons_are_dropped(client: TestClient, fake_rasa: FakeRasa) -> None:
    fake_rasa.reply = lambda body: httpx.Response(
        200, json=[{"text": "t", "buttons": [{"title": 1}, "x", {"title": "ok", "payload": "/ok"}]}, "junk"]
    )
    assert shown(client.post("/api/chat", json={"message": "hi"}).json()["messages"]) == [
        {"text": "t", "buttons": [{"title": "ok", "payload": "/ok"}], "used": None}
    ]


def test_unexpected_error_is_polite(settings: Any) -> None:
    from bot.app import create_app

    def broken(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("bug")

    app = create_app(settings, rasa_transport=httpx.MockTransport(broken), accounts=lambda email: None)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post("/api/chat", json={"message": "hi"})
    assert response.status_code == 500
    assert response.json()["messages"] == [{"text": UNAVAILABLE_TEXT}]


def test_no_reply_from_rasa_is_answered_politely(client: TestClient, fake_rasa: FakeRasa) -> None:
    fake_rasa.reply = lambda body: httpx.Response(200, json=[])
    response = client.post("/api/chat", json={"message": "where is my order?"})
    assert response.status_code == 200
    assert response.json()["messages"] == [{"text": NO_REPLY_TEXT}]


def test_odd_text_is_cleaned_before_it_is_stored_or_relayed(client: TestClient, fake_rasa: FakeRasa) -> None:
    raw = b'{"message": "where\\u0000 is \\ud800 my order\\u0007?"}'  # JSON escapes: a lone surrogate, NUL, BEL
    response = client.post("/api/chat", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert fake_rasa.requests[-1]["message"] == "where is \ufffd my order?"
    assert response.json()["sent"]["text"] == "where is \ufffd my order?"


@pytest.mark.parametrize(("method", "path", "body"), [
    ("post", "/api/chat", {"message": "hi", "button_of": 10**30}),
    ("post", "/api/chat", {"message": "hi", "button_of": -1}),
    ("get", f"/api/history?after={10**23}", None),
    ("get", "/api/history?after=-5", None),
])
def test_huge_or_negative_ids_get_a_polite_422(client: TestClient, method: str, path: str, body: Any) -> None:
    response = client.request(method.upper(), path, json=body)
    assert response.status_code == 422
    assert response.json()["error"] is True and response.json()["detail"]
    assert client.post("/api/chat", json={"message": "still here?"}).status_code == 200  # the connection lives


def test_new_conversations_from_one_address_are_limited(client: TestClient, fake_rasa: FakeRasa) -> None:
    codes = []
    for _ in range(12):
        client.cookies.clear()  # dropping the cookie starts a new conversation: no fresh allowance
        codes.append(client.post("/api/chat", json={"message": "hi"}).status_code)
    assert codes[:10] == [200] * 10 and codes[10:] == [429, 429]
    assert len(fake_rasa.requests) == 10


def test_starting_over_again_and_again_is_limited_too(client: TestClient) -> None:
    codes = [client.post("/api/session/new").status_code for _ in range(12)]
    assert codes[:10] == [200] * 10 and 429 in codes[10:]


def test_a_413_is_in_the_api_shape(client: TestClient) -> None:
    response = client.post("/api/chat", content=b'{"message": "' + b"x" * 100_000 + b'"}',
                           headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.json()["error"] is True
