"""The shopper widget API: history that survives a reload, buttons, hand-off to a person, limits, live pushes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from backoffice.config import Settings
from backoffice.db import make_engine, session_factory
from backoffice.staff import create_staff
from backoffice.tickets import TranscriptLine, open_ticket
from bot.app import create_app
from bot.responses import SLOW_DOWN_TEXT

PASSWORD = "correct horse battery"
FakeRasa = Any  # conftest.FakeRasa
Clients = Callable[[], TestClient]
TRACK = {"title": "Track order 600001", "payload": '/track_order{"order_number": "600001"}'}
OTHER = {"title": "Something else", "payload": "/something_else"}


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("backoffice.staff.accounts._hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def sessions(database_url: str) -> Iterator[Any]:
    engine = make_engine(database_url)
    yield session_factory(engine)
    engine.dispose()


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def texts(messages: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(m["sender"], m["text"]) for m in messages]


def offering_buttons(fake_rasa: FakeRasa) -> None:
    """The assistant answers every message with a question and two buttons."""
    def reply(body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(200, json=[{"recipient_id": body["sender"], "text": "Which order?",
                                          "buttons": [TRACK, OTHER]}])
    fake_rasa.reply = reply


def handing_off(fake_rasa: FakeRasa, sessions: Any) -> None:
    """The next message makes the assistant hand off: the action opens a ticket and sends the marker."""
    def reply(body: dict[str, Any]) -> httpx.Response:
        with sessions.begin() as session:
            ticket = open_ticket(session, conversation_id=body["sender"], reason="human_requested", now=now(),
                                 transcript=[TranscriptLine(now(), "customer", body["message"])])
            ticket_id = ticket.id
        return httpx.Response(200, json=[
            {"recipient_id": body["sender"], "text": f"I've passed you to our team (ticket {ticket_id})."},
            {"recipient_id": body["sender"], "custom": {"shopdesk_event": {"type": "handoff",
                                                                           "ticket_id": ticket_id}}},
        ])
    fake_rasa.reply = reply


def staff_log_in(client: TestClient, sessions: Any, username: str = "sam", name: str = "Sam Smith") -> str:
    with sessions.begin() as session:
        create_staff(session, username=username, display_name=name, role="agent", password=PASSWORD, now=now())
    response = client.post("/api/console/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200
    return str(response.json()["csrf_token"])


# -- history -----------------------------------------------------------------------------------------------------

def test_history_survives_a_reload_in_order(client: TestClient) -> None:
    first = client.post("/api/chat", json={"message": "hello"}).json()
    client.post("/api/chat", json={"message": "where is my parcel?"})
    reloaded = client.get("/api/history").json()  # the page is reloaded: same cookie, a new request
    assert texts(reloaded["messages"]) == [("customer", "hello"), ("bot", "echo: hello"),
                                           ("customer", "where is my parcel?"), ("bot", "echo: where is my parcel?")]
    ids = [m["id"] for m in reloaded["messages"]]
    assert ids == sorted(ids) and len(set(ids)) == 4
    assert reloaded["messages"][0] == first["sent"]
    assert all(m["at"].endswith("Z") for m in reloaded["messages"])
    conversation = reloaded["conversation"]
    assert (conversation["mode"], conversation["ticket_id"], conversation["queue_position"]) == ("bot", None, None)
    after = client.get("/api/history", params={"after": ids[1]}).json()["messages"]
    assert texts(after) == [("customer", "where is my parcel?"), ("bot", "echo: where is my parcel?")]
    assert client.get("/api/history", params={"after": -1}).status_code == 422


def test_another_browser_sees_none_of_it(make_client: Clients) -> None:
    first, second = make_client(), make_client()
    first.post("/api/chat", json={"message": "my secret order"})
    other = second.get("/api/history").json()
    assert other["messages"] == []
    assert other["conversation"]["id"] != first.get("/api/history").json()["conversation"]["id"]


def test_a_new_conversation_starts_empty_and_keeps_the_sign_in(client: TestClient, fake_rasa: FakeRasa) -> None:
    assert client.post("/api/session/login", json={"email": "ada@example.com"}).status_code == 200
    client.post("/api/chat", json={"message": "hello"})
    old = client.get("/api/history").json()["conversation"]["id"]
    assert client.post("/api/session/new", json={}).json() == {"ok": True}
    fresh = client.get("/api/history").json()
    assert fresh["messages"] == [] and fresh["conversation"]["id"] != old
    assert client.get("/api/session").json()["signed_in"] is True
    client.post("/api/chat", json={"message": "again"})
    assert fake_rasa.requests[-1]["sender"] == fresh["conversation"]["id"]


def test_html_and_script_are_stored_and_returned_as_plain_data(client: TestClient, fake_rasa: FakeRasa) -> None:
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)> & **bold**'
    fake_rasa.reply = lambda body: httpx.Response(200, json=[{"text": body["message"]}])
    sent = client.post("/api/chat", json={"message": payload})
    assert sent.json()["sent"]["text"] == payload
    history = client.get("/api/history")
    assert history.headers["content-type"].startswith("application/json")
    assert texts(history.json()["messages"]) == [("customer", payload), ("bot", payload)]


# -- buttons -------------------------------------------------------------------------------------------------------

def test_clicking_a_button_stores_its_title_and_marks_it_used(client: TestClient, fake_rasa: FakeRasa) -> None:
    offering_buttons(fake_rasa)
    offer = client.post("/api/chat", json={"message": "where is my order?"}).json()["messages"][0]
    assert offer["buttons"] == [TRACK, OTHER] and offer["used"] is None
    clicked = client.post("/api/chat", json={"message": TRACK["payload"], "button_of": offer["id"]}).json()
    assert clicked["sent"]["text"] == "Track order 600001"
    assert fake_rasa.requests[-1]["message"] == TRACK["payload"]  # the assistant gets the payload
    lines = client.get("/api/history").json()["messages"]
    again = next(m for m in lines if m["id"] == offer["id"])
    assert again["used"] == "Track order 600001"
    assert texts(lines)[2] == ("customer", "Track order 600001")


def test_a_button_of_another_conversation_is_not_marked(make_client: Clients, fake_rasa: FakeRasa) -> None:
    offering_buttons(fake_rasa)
    owner, stranger = make_client(), make_client()
    offer = owner.post("/api/chat", json={"message": "hi"}).json()["messages"][0]
    stranger.post("/api/chat", json={"message": TRACK["payload"], "button_of": offer["id"]})
    assert next(m for m in owner.get("/api/history").json()["messages"] if m["id"] == offer["id"])["used"] is None


# -- hand-off ------------------------------------------------------------------------------------------------------

def test_after_a_hand_off_messages_go_to_a_person_not_the_assistant(client: TestClient, fake_rasa: FakeRasa,
                                                                    sessions: Any) -> None:
    handing_off(fake_rasa, sessions)
    answer = client.post("/api/chat", json={"message": "I want to talk to a person"})
    assert answer.status_code == 200
    assert [m["text"] for m in answer.json()["messages"]][0].startswith("I've passed you to our team")
    assert all("shopdesk_event" not in json.dumps(m) for m in answer.json()["messages"])
    calls = len(fake_rasa.requests)
    later = client.post("/api/chat", json={"message": "hello? anyone?"})
    assert later.status_code == 200
    assert later.json()["messages"] == [] and "error" not in later.json()
    assert later.json()["sent"]["text"] == "hello? anyone?"
    assert len(fake_rasa.requests) == calls  # the assistant never saw it
    history = client.get("/api/history").json()
    state = history["conversation"]
    assert state["mode"] == "human" and isinstance(state["ticket_id"], int)
    assert (state["queue_position"], state["wait_minutes"], state["agent_name"]) == (1, 6, None)
    assert texts(history["messages"])[-1] == ("customer", "hello? anyone?")


def test_the_queue_position_counts_the_people_waiting_before(make_client: Clients, fake_rasa: FakeRasa,
                                                             sessions: Any) -> None:
    handing_off(fake_rasa, sessions)
    first, second = make_client(), make_client()
    first.post("/api/chat", json={"message": "a person please"})
    second.post("/api/chat", json={"message": "me too"})
    assert first.get("/api/history").json()["conversation"]["queue_position"] == 1
    assert second.get("/api/history").json()["conversation"]["queue_position"] == 2
    assert second.get("/api/history").json()["conversation"]["wait_minutes"] == 12


# -- limits --------------------------------------------------------------------------------------------------------

def test_sending_too_fast_is_refused_politely_with_retry_after(settings: Settings, fake_rasa: FakeRasa) -> None:
    slow = settings.model_copy(update={"chat_burst": 2, "chat_per_minute": 6})
    app = create_app(slow, rasa_transport=httpx.MockTransport(fake_rasa.handler), accounts=lambda email: None)
    with TestClient(app) as client, TestClient(app) as other:
        assert [client.post("/api/chat", json={"message": f"m{n}"}).status_code for n in range(2)] == [200, 200]
        refused = client.post("/api/chat", json={"message": "one more"})
        assert refused.status_code == 429
        assert refused.json()["detail"] == SLOW_DOWN_TEXT
        assert refused.json()["messages"] == [{"text": SLOW_DOWN_TEXT}]
        assert 1 <= int(refused.headers["retry-after"]) <= 10
        assert [r["message"] for r in fake_rasa.requests] == ["m0", "m1"]
        assert texts(client.get("/api/history").json()["messages"])[-1] == ("bot", "echo: m1")  # not stored
        assert other.post("/api/chat", json={"message": "hi"}).status_code == 200  # another conversation


# -- live pushes ---------------------------------------------------------------------------------------------------

def test_an_agent_reply_is_pushed_live_to_the_shoppers_socket(client: TestClient, fake_rasa: FakeRasa,
                                                               sessions: Any) -> None:
    handing_off(fake_rasa, sessions)
    client.post("/api/chat", json={"message": "a person please"})
    ticket_id = client.get("/api/history").json()["conversation"]["ticket_id"]
    csrf = staff_log_in(client, sessions)  # this test's browser also holds a staff cookie (another cookie name)
    with client.websocket_connect("/ws/chat") as socket:
        reply = client.post(f"/api/console/tickets/{ticket_id}/reply", json={"text": "Hi, I'm Sam."},
                            headers={"X-CSRF-Token": csrf})
        assert reply.status_code == 200
        pushed = socket.receive_json()
        assert pushed == {"type": "message", "message": reply.json()}
        assert pushed["message"]["agent_name"] == "Sam Smith"
        state = socket.receive_json()
        assert state["type"] == "conversation"
        assert (state["conversation"]["mode"], state["conversation"]["agent_name"]) == ("human", "Sam Smith")


def test_the_shoppers_own_lines_reach_their_other_tabs(client: TestClient) -> None:
    client.post("/api/chat", json={"message": "first"})
    with client.websocket_connect("/ws/chat") as tab:
        client.post("/api/chat", json={"message": "from the other tab"})
        events = [tab.receive_json() for _ in range(4)]
    lines = [e["message"] for e in events if e["type"] == "message"]
    assert texts(lines) == [("customer", "from the other tab"), ("bot", "echo: from the other tab")]
    assert {"type": "typing", "sender": "bot", "on": True} in events


def test_the_chat_socket_refuses_another_sites_page(client: TestClient) -> None:
    client.post("/api/chat", json={"message": "hello"})
    with pytest.raises(WebSocketDisconnect) as refused, \
            client.websocket_connect("/ws/chat", headers={"Origin": "https://evil.example"}):
        pass
    assert refused.value.code == 4403


def test_the_chat_socket_needs_a_conversation_first(client: TestClient) -> None:
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/ws/chat"):
        pass
    assert refused.value.code == 4401


# -- the pages -----------------------------------------------------------------------------------------------------

def test_the_widget_page_may_only_be_framed_by_the_configured_shop(settings: Settings,
                                                                   fake_rasa: FakeRasa) -> None:
    shop = settings.model_copy(update={"widget_origins": "https://shop.example javascript:alert(1)"})
    app = create_app(shop, rasa_transport=httpx.MockTransport(fake_rasa.handler), accounts=lambda email: None)
    with TestClient(app) as client:
        page = client.get("/widget")
        assert page.status_code == 200
        csp = page.headers["content-security-policy"]
        assert "frame-ancestors https://shop.example;" in csp and "javascript" not in csp
        assert "x-frame-options" not in page.headers
        loader = client.get("/widget.js")
        assert loader.headers["content-type"].startswith("text/javascript")
        assert loader.headers["cross-origin-resource-policy"] == "cross-origin"
        assert client.get("/console").headers["x-frame-options"] == "DENY"
