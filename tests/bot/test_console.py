"""The support console API: log-in, CSRF and origin checks, the queue, ticket work, and the staff assistant."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from backoffice.db import make_engine, session_factory
from backoffice.identity import Identity, verify
from backoffice.models import Refund, SupportTicket
from backoffice.staff import create_staff, set_active
from backoffice.staff.accounts import _hasher as real_hasher
from backoffice.tickets import TranscriptLine, open_ticket
from bot import console as console_module
from bot.console import LOGIN_FAILED, LOGIN_SLOW_DOWN
from bot.staff_auth import CSRF_FAILED, FOREIGN_ORIGIN, LOGIN_NEEDED
from tests.factories import build_store

SECRET = "test-secret-for-bot-tests"  # the key the ``settings`` fixture in conftest.py uses
PASSWORD = "correct horse battery"
FakeRasa = Any  # conftest.FakeRasa
Clients = Callable[[], TestClient]

CONSOLE_CALLS = [
    ("GET", "/api/console/me", None),
    ("GET", "/api/console/staff", None),
    ("GET", "/api/console/tickets", None),
    ("GET", "/api/console/tickets?status=all&q=ada", None),
    ("GET", "/api/console/tickets/1", None),
    ("GET", "/api/console/assistant/history", None),
    ("POST", "/api/console/logout", {}),
    ("POST", "/api/console/tickets/1/claim", {}),
    ("POST", "/api/console/tickets/1/assign", {"staff_id": 1}),
    ("POST", "/api/console/tickets/1/reply", {"text": "hello"}),
    ("POST", "/api/console/tickets/1/notes", {"text": "note"}),
    ("POST", "/api/console/tickets/1/resolve", {}),
    ("POST", "/api/console/assistant", {"message": "stock report"}),
]


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with small costs, so log-ins take milliseconds (the shipped parameters are tested in backoffice)."""
    assert real_hasher.time_cost >= 2
    monkeypatch.setattr("backoffice.staff.accounts._hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


class Store:
    """Direct access to the test database, as the action server and the staff CLI have it."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.sessions = session_factory(self.engine)

    def add_staff(self, username: str, name: str, role: str = "agent") -> int:
        with self.sessions.begin() as session:
            return create_staff(session, username=username, display_name=name, role=role, password=PASSWORD,
                                now=datetime(2026, 1, 1)).id

    def hand_off(self, conversation_id: str, *, customer_id: int | None = None, order_id: int | None = None,
                 reason: str = "human_requested", summary: str = "", minutes_ago: int = 0) -> int:
        now = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=minutes_ago)
        with self.sessions.begin() as session:
            return open_ticket(session, conversation_id=conversation_id, reason=reason, now=now,
                               transcript=[TranscriptLine(now, "customer", summary or "I want a person")],
                               customer_id=customer_id, order_id=order_id, summary=summary).id

    def ticket(self, ticket_id: int) -> tuple[str, int | None]:
        with self.sessions() as session:
            found = session.get(SupportTicket, ticket_id)
            assert found is not None
            return found.status, found.assignee_id

    def shop(self) -> dict[str, int]:
        """Alice (101) with orders, a shipment and a refund; Bob (202)."""
        with self.sessions() as session:
            built = build_store(session)
            built.orders["delivered"].refunds.append(Refund(amount=Decimal("6.78"), reason="broken",
                                                            status="approved", created_at=datetime(2026, 11, 19)))
            session.commit()
            return {"alice": built.alice.id, "bob": built.bob.id, "shipped": built.orders["shipped"].id,
                    "bob_order": built.orders["bob"].id}


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    found = Store(database_url)
    yield found
    found.engine.dispose()


def log_in(client: TestClient, username: str) -> str:
    """Log ``client`` into the console; returns the CSRF token."""
    response = client.post("/api/console/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return str(response.json()["csrf_token"])


def post(client: TestClient, path: str, csrf: str, body: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    return client.post(path, json=body or {}, headers={"X-CSRF-Token": csrf, **kwargs.pop("headers", {})}, **kwargs)


def shopper_conversation(shopper: TestClient, text: str = "hello") -> str:
    assert shopper.post("/api/chat", json={"message": text}).status_code == 200
    return str(shopper.get("/api/history").json()["conversation"]["id"])


# -- log-in, cookies, CSRF, origin -------------------------------------------------------------------------------

def test_every_console_call_needs_a_log_in(client: TestClient) -> None:
    for method, path, body in CONSOLE_CALLS:
        response = client.request(method, path, json=body)
        assert response.status_code == 401, (method, path)
        assert response.json() == {"detail": LOGIN_NEEDED, "error": True}


def test_a_shoppers_session_cannot_call_the_console(client: TestClient, store: Store, fake_rasa: FakeRasa) -> None:
    store.add_staff("sam", "Sam")
    store.hand_off("conv-1")
    client.post("/api/session/login", json={"email": "ada@example.com"})
    client.post("/api/chat", json={"message": "hello"})
    shopper_cookie = client.cookies.get("shopdesk_session")
    assert shopper_cookie
    for method, path, body in CONSOLE_CALLS:
        assert client.request(method, path, json=body).status_code == 401, (method, path)
    client.cookies.set("shopdesk_staff", shopper_cookie)  # the shopper's own cookie presented as a staff one
    for method, path, body in CONSOLE_CALLS:
        assert client.request(method, path, json=body).status_code == 401, (method, path)
    assert store.ticket(1) == ("pending", None)
    assert len(fake_rasa.requests) == 1  # only the shopper's own "hello"


def test_log_in_sets_a_strict_http_only_cookie_and_returns_the_staff_member(client: TestClient,
                                                                             store: Store) -> None:
    staff_id = store.add_staff("sam", "Sam Smith", "operator")
    response = client.post("/api/console/login", json={"username": " SAM ", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["staff"] == {"id": staff_id, "username": "sam", "display_name": "Sam Smith", "role": "operator"}
    assert body["csrf_token"]
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("shopdesk_staff=")
    assert "httponly" in cookie.lower()
    assert "samesite=strict" in cookie.lower()
    assert "path=/" in cookie.lower()
    assert PASSWORD not in response.text and "argon2" not in response.text
    me = client.get("/api/console/me").json()
    assert me == {"staff": body["staff"], "csrf_token": body["csrf_token"]}


@pytest.mark.parametrize(("username", "password"), [("sam", "wrong password!"), ("nobody", PASSWORD),
                                                    ("gone", PASSWORD)])
def test_a_failed_log_in_is_401_with_the_same_polite_answer(client: TestClient, store: Store, username: str,
                                                           password: str) -> None:
    store.add_staff("sam", "Sam")
    store.add_staff("gone", "Gone")
    with store.sessions.begin() as session:
        set_active(session, username="gone", active=False)
    response = client.post("/api/console/login", json={"username": username, "password": password})
    assert response.status_code == 401
    assert response.json() == {"detail": LOGIN_FAILED, "error": True}
    assert "shopdesk_staff" not in response.headers.get("set-cookie", "")
    assert client.get("/api/console/me").status_code == 401


@pytest.mark.parametrize("body", [b'{"username": "sam", "password": "correct horse \\ud800"}',
                                  b'{"username": "\\udfff\\ud800sam", "password": "x"}',
                                  b'{"username": "sam\\u0000", "password": "correct horse battery"}'])
def test_a_log_in_with_a_lone_surrogate_or_nul_is_a_polite_401(client: TestClient, store: Store, body: bytes) -> None:
    # Found by tests/bot/test_fuzz.py: the surrogate reached SQLite and Argon2 as text no UTF-8 codec takes (500).
    store.add_staff("sam", "Sam")
    response = client.post("/api/console/login", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 401
    assert response.json() == {"detail": LOGIN_FAILED, "error": True}
    log_in(client, "sam")


def test_repeated_log_in_attempts_are_slowed_down(client: TestClient, store: Store) -> None:
    store.add_staff("sam", "Sam")
    answers = [client.post("/api/console/login", json={"username": "sam", "password": f"guess number {n}"})
               for n in range(5)]
    assert [a.status_code for a in answers] == [401] * 5
    blocked = client.post("/api/console/login", json={"username": "sam", "password": PASSWORD})
    assert blocked.status_code == 429
    assert blocked.json()["detail"] == LOGIN_SLOW_DOWN
    assert client.get("/api/console/me").status_code == 401  # even the right password waits
    store.add_staff("kim", "Kim")  # another user name from the same address does not get a fresh allowance
    assert client.post("/api/console/login", json={"username": "kim", "password": PASSWORD}).status_code == 429


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused(client: TestClient, store: Store) -> None:
    store.add_staff("sam", "Sam")
    ticket_id = store.hand_off("conv-1")
    csrf = log_in(client, "sam")
    missing = client.post(f"/api/console/tickets/{ticket_id}/claim", json={})
    assert missing.status_code == 403 and missing.json()["detail"] == CSRF_FAILED
    wrong = post(client, f"/api/console/tickets/{ticket_id}/claim", csrf[::-1])
    assert wrong.status_code == 403
    assert post(client, "/api/console/logout", "").status_code == 403
    assert store.ticket(ticket_id) == ("pending", None)
    assert post(client, f"/api/console/tickets/{ticket_id}/claim", csrf).status_code == 200


def test_a_post_from_another_site_is_refused_even_with_the_token(client: TestClient, store: Store) -> None:
    store.add_staff("sam", "Sam")
    ticket_id = store.hand_off("conv-1")
    csrf = log_in(client, "sam")
    foreign = post(client, f"/api/console/tickets/{ticket_id}/claim", csrf, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and foreign.json()["detail"] == FOREIGN_ORIGIN
    assert store.ticket(ticket_id) == ("pending", None)
    same = post(client, f"/api/console/tickets/{ticket_id}/claim", csrf, headers={"Origin": "http://testserver"})
    assert same.status_code == 200


def test_log_in_from_another_site_is_refused(client: TestClient, store: Store) -> None:
    store.add_staff("sam", "Sam")
    response = client.post("/api/console/login", json={"username": "sam", "password": PASSWORD},
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert client.get("/api/console/me").status_code == 401


def test_log_out_ends_the_log_in_on_the_server(client: TestClient, store: Store) -> None:
    store.add_staff("sam", "Sam")
    csrf = log_in(client, "sam")
    token = client.cookies.get("shopdesk_staff")
    assert token
    response = post(client, "/api/console/logout", csrf)
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert client.get("/api/console/me").status_code == 401
    client.cookies.set("shopdesk_staff", token)  # a copy of the old cookie is worthless now
    assert client.get("/api/console/me").status_code == 401
    assert client.get("/api/console/tickets").status_code == 401


def test_staff_list_shows_active_colleagues_without_secrets(client: TestClient, store: Store) -> None:
    store.add_staff("sam", "Sam")
    store.add_staff("kim", "Kim", "admin")
    log_in(client, "sam")
    staff = client.get("/api/console/staff").json()["staff"]
    assert [(s["username"], s["display_name"], s["role"]) for s in staff] == [("kim", "Kim", "admin"),
                                                                              ("sam", "Sam", "agent")]
    assert all(set(s) == {"id", "username", "display_name", "role"} for s in staff)


# -- the queue ---------------------------------------------------------------------------------------------------

def test_queue_filters_by_status_and_counts(client: TestClient, store: Store) -> None:
    store.add_staff("sam", "Sam")
    waiting_long = store.hand_off("c-1", minutes_ago=10)
    urgent = store.hand_off("c-2", reason="complaint", minutes_ago=1)
    to_claim = store.hand_off("c-3", minutes_ago=5)
    to_resolve = store.hand_off("c-4", minutes_ago=3)
    csrf = log_in(client, "sam")
    assert post(client, f"/api/console/tickets/{to_claim}/claim", csrf).status_code == 200
    assert post(client, f"/api/console/tickets/{to_resolve}/resolve", csrf).status_code == 200

    def queue(status: str) -> tuple[list[int], dict[str, int]]:
        body = client.get("/api/console/tickets", params={"status": status}).json()
        return [t["id"] for t in body["tickets"]], body["counts"]

    counts = {"pending": 2, "open": 1, "resolved": 1}
    assert queue("pending") == ([urgent, waiting_long], counts)  # high priority first, then the oldest
    assert queue("open") == ([to_claim], counts)
    assert queue("resolved") == ([to_resolve], counts)
    assert sorted(queue("all")[0]) == sorted([waiting_long, urgent, to_claim, to_resolve])
    default = client.get("/api/console/tickets").json()
    assert [t["id"] for t in default["tickets"]] == [urgent, waiting_long]
    bad = client.get("/api/console/tickets", params={"status": "deleted"})
    assert bad.status_code == 422 and bad.json()["error"] is True


def test_queue_search_by_customer_order_number_and_message_text(make_client: Clients, store: Store) -> None:
    shop = store.shop()
    store.add_staff("sam", "Sam")
    shopper = make_client()
    conversation = shopper_conversation(shopper, "The lid of my teapot is cracked")
    alice = store.hand_off("c-alice", customer_id=shop["alice"], order_id=shop["shipped"])
    bob = store.hand_off("c-bob", customer_id=shop["bob"], order_id=shop["bob_order"])
    anonymous = store.hand_off(conversation)
    staff = make_client()
    log_in(staff, "sam")

    def found(query: str) -> list[int]:
        response = staff.get("/api/console/tickets", params={"status": "all", "q": query})
        assert response.status_code == 200
        return [t["id"] for t in response.json()["tickets"]]

    assert found("Alice") == [alice]
    assert found("bob@example.com") == [bob]
    assert found("600004") == [alice]
    assert found("700001") == [bob]
    assert found("teapot") == [anonymous]
    assert found("no such words anywhere") == []


def test_a_ticket_summary_has_the_customer_order_and_last_line(make_client: Clients, store: Store) -> None:
    shop = store.shop()
    store.add_staff("sam", "Sam")
    ticket_id = store.hand_off("c-alice", customer_id=shop["alice"], order_id=shop["shipped"], summary="Late!")
    staff = make_client()
    log_in(staff, "sam")
    summary = staff.get("/api/console/tickets").json()["tickets"][0]
    assert summary["id"] == ticket_id
    assert (summary["status"], summary["reason"], summary["priority"], summary["assignee"]) == (
        "pending", "human_requested", "normal", None)
    assert summary["customer"] == {"id": 101, "name": "Alice Archer", "email": "alice@example.com"}
    assert (summary["order_number"], summary["summary"], summary["conversation_id"]) == ("600004", "Late!",
                                                                                        "c-alice")


# -- working a ticket -----------------------------------------------------------------------------------------------

def test_claim_opens_the_ticket_for_me_and_a_colleague_gets_a_polite_409(make_client: Clients,
                                                                          store: Store) -> None:
    sam_id = store.add_staff("sam", "Sam Smith")
    store.add_staff("kim", "Kim")
    ticket_id = store.hand_off("conv-1")
    sam, kim = make_client(), make_client()
    sam_csrf, kim_csrf = log_in(sam, "sam"), log_in(kim, "kim")
    claimed = post(sam, f"/api/console/tickets/{ticket_id}/claim", sam_csrf)
    assert claimed.status_code == 200
    assert claimed.json()["status"] == "open"
    assert claimed.json()["assignee"]["id"] == sam_id and claimed.json()["claimed_at"]
    second = post(kim, f"/api/console/tickets/{ticket_id}/claim", kim_csrf)
    assert second.status_code == 409
    assert second.json() == {"detail": "Sam Smith is already handling this conversation.", "error": True}
    assert store.ticket(ticket_id) == ("open", sam_id)


def test_assign_gives_the_ticket_to_a_colleague(client: TestClient, store: Store) -> None:
    store.add_staff("sam", "Sam")
    kim_id = store.add_staff("kim", "Kim")
    ticket_id = store.hand_off("conv-1")
    csrf = log_in(client, "sam")
    assigned = post(client, f"/api/console/tickets/{ticket_id}/assign", csrf, {"staff_id": kim_id})
    assert assigned.status_code == 200
    assert (assigned.json()["status"], assigned.json()["assignee"]["display_name"]) == ("open", "Kim")
    assert store.ticket(ticket_id) == ("open", kim_id)
    nobody = post(client, f"/api/console/tickets/{ticket_id}/assign", csrf, {"staff_id": 9999})
    assert nobody.status_code == 409 and nobody.json()["error"] is True


def test_only_the_owner_or_an_admin_hands_on_a_ticket_someone_is_handling(make_client: Any, store: Store) -> None:
    sam_id = store.add_staff("sam", "Sam")
    kim_id = store.add_staff("kim", "Kim")
    store.add_staff("ada", "Ada", "admin")
    ticket_id = store.hand_off("conv-1")
    sam, kim, ada = make_client(), make_client(), make_client()
    kim_csrf, sam_csrf, ada_csrf = log_in(kim, "kim"), log_in(sam, "sam"), log_in(ada, "ada")
    assert post(kim, f"/api/console/tickets/{ticket_id}/claim", kim_csrf).status_code == 200
    taken = post(sam, f"/api/console/tickets/{ticket_id}/assign", sam_csrf, {"staff_id": sam_id})
    assert taken.status_code == 409 and "Kim is handling" in taken.json()["detail"]
    assert store.ticket(ticket_id) == ("open", kim_id)
    assert post(ada, f"/api/console/tickets/{ticket_id}/assign", ada_csrf, {"staff_id": sam_id}).status_code == 200
    assert store.ticket(ticket_id) == ("open", sam_id)


def test_the_ticket_search_is_cleaned_text(client: TestClient, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    # test_fuzz.py sends NULs in every query: SQLite takes one in a LIKE, PostgreSQL refuses the query (a 500).
    store.add_staff("sam", "Sam")
    log_in(client, "sam")
    searched: list[str] = []
    real = console_module.list_tickets

    def recording(session: Any, *, status: str | None, query: str) -> Any:
        searched.append(query)
        return real(session, status=status, query=query)

    monkeypatch.setattr(console_module, "list_tickets", recording)
    response = client.get("/api/console/tickets?status=all&q=%00a%00da%20cafe%CC%81%20")
    assert response.status_code == 200
    assert searched == ["ada caf\u00e9"]


@pytest.mark.parametrize("ticket", [str(10**23), "-1", "0"])
def test_out_of_range_ticket_ids_get_a_polite_422(client: TestClient, store: Store, ticket: str) -> None:
    store.add_staff("sam", "Sam")
    csrf = log_in(client, "sam")
    assert client.get(f"/api/console/tickets/{ticket}").status_code == 422
    answer = post(client, f"/api/console/tickets/{ticket}/claim", csrf)
    assert answer.status_code == 422 and answer.json()["error"] is True
    assert client.get("/api/console/me").status_code == 200


def test_unknown_tickets_are_404(client: TestClient, store: Store) -> None:
    store.add_staff("sam", "Sam")
    csrf = log_in(client, "sam")
    assert client.get("/api/console/tickets/9999").status_code == 404
    for action in ("claim", "resolve"):
        assert post(client, f"/api/console/tickets/9999/{action}", csrf).status_code == 404
    assert post(client, "/api/console/tickets/9999/reply", csrf, {"text": "hi"}).status_code == 404
    assert post(client, "/api/console/tickets/9999/notes", csrf, {"text": "hi"}).status_code == 404


def test_a_reply_reaches_the_shoppers_history_as_the_agents_line(make_client: Clients, store: Store) -> None:
    sam_id = store.add_staff("sam", "Sam Smith")
    shopper = make_client()
    conversation = shopper_conversation(shopper)
    ticket_id = store.hand_off(conversation)
    staff = make_client()
    csrf = log_in(staff, "sam")
    reply = post(staff, f"/api/console/tickets/{ticket_id}/reply", csrf, {"text": "  Hi, Sam here. Let me look.  "})
    assert reply.status_code == 200
    line = reply.json()
    assert (line["sender"], line["text"], line["agent_name"]) == ("agent", "Hi, Sam here. Let me look.", "Sam Smith")
    assert store.ticket(ticket_id) == ("open", sam_id)  # replying to a waiting ticket claims it
    history = shopper.get("/api/history").json()
    assert history["messages"][-1] == line
    assert history["conversation"]["mode"] == "human"
    assert history["conversation"]["agent_name"] == "Sam Smith"
    assert history["conversation"]["queue_position"] is None
    assert post(staff, f"/api/console/tickets/{ticket_id}/reply", csrf, {"text": "   "}).status_code == 422
    assert post(staff, f"/api/console/tickets/{ticket_id}/reply", csrf, {"text": "x" * 4001}).status_code == 413


def test_notes_are_private_to_staff(make_client: Clients, store: Store) -> None:
    store.add_staff("sam", "Sam Smith")
    shopper = make_client()
    conversation = shopper_conversation(shopper)
    ticket_id = store.hand_off(conversation)
    staff = make_client()
    csrf = log_in(staff, "sam")
    note = post(staff, f"/api/console/tickets/{ticket_id}/notes", csrf, {"text": "Customer threatened a chargeback"})
    assert note.status_code == 200
    assert (note.json()["author"], note.json()["text"]) == ("Sam Smith", "Customer threatened a chargeback")
    detail = staff.get(f"/api/console/tickets/{ticket_id}").json()
    assert [n["text"] for n in detail["notes"]] == ["Customer threatened a chargeback"]
    assert "chargeback" not in shopper.get("/api/history").text
    assert all("chargeback" not in (m["text"] or "") for m in detail["transcript"])
    assert post(staff, f"/api/console/tickets/{ticket_id}/notes", csrf, {"text": " "}).status_code == 422


def test_resolving_hands_the_conversation_back_to_the_assistant(make_client: Clients, store: Store,
                                                                 fake_rasa: FakeRasa) -> None:
    store.add_staff("sam", "Sam Smith")
    shopper = make_client()
    assert shopper.post("/api/session/login", json={"email": "ada@example.com"}).status_code == 200
    conversation = shopper_conversation(shopper, "I need a person")
    ticket_id = store.hand_off(conversation, customer_id=7)
    staff = make_client()
    csrf = log_in(staff, "sam")
    assert post(staff, f"/api/console/tickets/{ticket_id}/claim", csrf).status_code == 200
    resolved = post(staff, f"/api/console/tickets/{ticket_id}/resolve", csrf)
    assert resolved.status_code == 200
    assert resolved.json()["status"] == "resolved" and resolved.json()["resolved_at"]
    sent = fake_rasa.requests[-1]
    assert (sent["sender"], sent["message"]) == (conversation, "/support_resolved")
    assert verify(sent["sender"], sent["metadata"], SECRET, text=sent["message"]) == Identity(conversation, 7,
                                                                                             "shopper")
    history = shopper.get("/api/history").json()
    senders = [(m["sender"], m["text"]) for m in history["messages"]]
    assert ("system", "Sam Smith has closed this conversation. The assistant is back to help.") in senders
    assert senders[-1] == ("bot", "echo: /support_resolved")  # the assistant's rating question comes after
    assert history["conversation"]["mode"] == "bot" and history["conversation"]["ticket_id"] is None
    again = post(staff, f"/api/console/tickets/{ticket_id}/resolve", csrf)
    assert again.status_code == 409 and again.json()["detail"] == "This conversation is already resolved."
    assert post(staff, f"/api/console/tickets/{ticket_id}/reply", csrf, {"text": "hi"}).status_code == 409
    before = len(fake_rasa.requests)
    assert shopper.post("/api/chat", json={"message": "thanks"}).json()["messages"][0]["text"] == "echo: thanks"
    assert len(fake_rasa.requests) == before + 1


def test_resolving_still_works_when_the_assistant_is_down(make_client: Clients, store: Store,
                                                          fake_rasa: FakeRasa) -> None:
    store.add_staff("sam", "Sam")
    shopper = make_client()
    conversation = shopper_conversation(shopper)
    ticket_id = store.hand_off(conversation)
    staff = make_client()
    csrf = log_in(staff, "sam")
    fake_rasa.down = True
    assert post(staff, f"/api/console/tickets/{ticket_id}/resolve", csrf).status_code == 200
    assert store.ticket(ticket_id)[0] == "resolved"
    assert shopper.get("/api/history").json()["conversation"]["mode"] == "bot"


def test_ticket_detail_has_the_transcript_customer_panel_and_filled_in_canned_replies(
    make_client: Clients, store: Store
) -> None:
    shop = store.shop()
    store.add_staff("sam", "Sam Smith")
    shopper = make_client()
    conversation = shopper_conversation(shopper, "Where is order 600004?")
    ticket_id = store.hand_off(conversation, customer_id=shop["alice"], order_id=shop["shipped"])
    staff = make_client()
    csrf = log_in(staff, "sam")
    post(staff, f"/api/console/tickets/{ticket_id}/reply", csrf, {"text": "Checking now"})
    detail = staff.get(f"/api/console/tickets/{ticket_id}").json()
    assert detail["ticket"]["id"] == ticket_id and detail["ticket"]["last_message"]["text"] == "Checking now"
    assert [(m["sender"], m["text"]) for m in detail["transcript"]] == [
        ("customer", "Where is order 600004?"), ("bot", "echo: Where is order 600004?"), ("agent", "Checking now")]
    customer = detail["customer"]
    assert customer["profile"]["name"] == "Alice Archer"
    orders = {o["number"]: o for o in customer["orders"]}
    assert orders["600004"]["shipments"][0]["tracking_number"] == "RM600004GB"
    assert orders["600005"]["refunds"] == [{"amount": "6.78", "status": "approved",
                                            "created_at": "2026-11-19T00:00:00"}]
    canned = {c["id"]: c for c in detail["canned"]}
    assert canned["greeting"]["text"] == ("Hi Alice, this is Sam Smith from Shopdesk Demo Gift Shop. "
                                          "I'm reading your conversation now.")
    assert "order 600004" in canned["looking_into_order"]["text"]
    assert detail["notes"] == []


def test_an_anonymous_hand_off_has_no_customer_panel_and_a_friendly_greeting(make_client: Clients,
                                                                            store: Store) -> None:
    store.add_staff("sam", "Sam")
    shopper = make_client()
    ticket_id = store.hand_off(shopper_conversation(shopper))
    staff = make_client()
    log_in(staff, "sam")
    detail = staff.get(f"/api/console/tickets/{ticket_id}").json()
    assert detail["customer"] is None
    assert detail["canned"][0]["text"].startswith("Hi there, this is Sam from")


# -- the staff assistant -----------------------------------------------------------------------------------------

def test_the_assistant_signs_the_staff_role_into_rasa_metadata(client: TestClient, store: Store,
                                                                fake_rasa: FakeRasa) -> None:
    operator_id = store.add_staff("olive", "Olive", "operator")
    csrf = log_in(client, "olive")
    response = post(client, "/api/console/assistant", csrf, {"message": "stock report"})
    assert response.status_code == 200
    assert response.json()["sent"]["text"] == "stock report"
    assert [m["text"] for m in response.json()["messages"]] == ["echo: stock report"]
    sent = fake_rasa.requests[-1]
    assert sent["sender"] == f"staff-{operator_id}"
    who = verify(sent["sender"], sent["metadata"], SECRET, text=sent["message"])
    assert who == Identity(f"staff-{operator_id}", None, "operator", client="testclient")
    history = client.get("/api/console/assistant/history").json()["messages"]
    assert [(m["sender"], m["text"]) for m in history] == [("customer", "stock report"),
                                                           ("bot", "echo: stock report")]


def test_an_agent_is_signed_as_an_agent_not_an_operator(client: TestClient, store: Store,
                                                        fake_rasa: FakeRasa) -> None:
    store.add_staff("sam", "Sam")
    csrf = log_in(client, "sam")
    post(client, "/api/console/assistant", csrf, {"message": "stock report", "role": "admin"})
    sent = fake_rasa.requests[-1]
    assert verify(sent["sender"], sent["metadata"], SECRET, text=sent["message"]).role == "agent"


def test_a_shopper_cannot_reach_the_staff_assistant(client: TestClient, fake_rasa: FakeRasa) -> None:
    client.post("/api/session/login", json={"email": "ada@example.com"})
    assert client.post("/api/console/assistant", json={"message": "stock report"}).status_code == 401
    assert client.post("/api/console/assistant", json={"message": "stock report"},
                       headers={"X-CSRF-Token": "anything"}).status_code == 401
    assert fake_rasa.requests == []


def test_the_assistant_being_down_is_a_polite_503(client: TestClient, store: Store, fake_rasa: FakeRasa) -> None:
    store.add_staff("sam", "Sam")
    csrf = log_in(client, "sam")
    fake_rasa.down = True
    response = post(client, "/api/console/assistant", csrf, {"message": "hello"})
    assert response.status_code == 503
    assert response.json()["error"] is True and response.json()["messages"][0]["text"].startswith("Sorry")


# -- the live console socket -------------------------------------------------------------------------------------

def test_the_console_socket_refuses_a_connection_without_a_staff_log_in(client: TestClient) -> None:
    client.post("/api/chat", json={"message": "hello"})  # a shopper cookie is not enough
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/ws/console"):
        pass
    assert refused.value.code == 4401


def test_the_console_socket_refuses_another_sites_page(client: TestClient, store: Store) -> None:
    store.add_staff("sam", "Sam")
    log_in(client, "sam")
    with pytest.raises(WebSocketDisconnect) as refused, \
            client.websocket_connect("/ws/console", headers={"Origin": "https://evil.example"}):
        pass
    assert refused.value.code == 4403


def test_the_console_socket_pushes_ticket_changes_and_shopper_lines(client: TestClient, store: Store) -> None:
    sam_id = store.add_staff("sam", "Sam")
    conversation = shopper_conversation(client)  # the same browser is shopper and staff here: separate cookies
    ticket_id = store.hand_off(conversation)
    csrf = log_in(client, "sam")
    with client.websocket_connect("/ws/console") as socket:
        assert post(client, f"/api/console/tickets/{ticket_id}/claim", csrf).status_code == 200
        event = socket.receive_json()
        assert event["type"] == "ticket"
        assert (event["ticket"]["id"], event["ticket"]["status"], event["ticket"]["assignee"]["id"]) == (
            ticket_id, "open", sam_id)
        assert client.post("/api/chat", json={"message": "are you there?"}).status_code == 200
        event = socket.receive_json()
        assert event["type"] == "message" and event["ticket_id"] == ticket_id
        assert (event["message"]["sender"], event["message"]["text"]) == ("customer", "are you there?")
