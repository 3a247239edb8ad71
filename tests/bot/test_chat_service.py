"""ChatService on a real database (SQLite and PostgreSQL): the conversation log, buttons, hand-off mode,
agents' replies and resolving, and the live events each turn pushes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from backoffice.config import ROOT
from backoffice.db import session_factory
from backoffice.identity import Identity, verify
from backoffice.knowledge import load_knowledge_base
from backoffice.models import Conversation, Customer, StaffMember, SupportTicket
from backoffice.tickets import TranscriptLine, open_ticket
from bot.chat import RESOLVED_PAYLOAD, ChatService, split_reply
from bot.database import Database
from bot.hub import CONSOLE, Hub, conversation_channel
from bot.relay import RasaRelay

SECRET = "chat-service-test-secret"
NOW = datetime(2026, 1, 14, 10, 0)  # a Wednesday morning: the team is at work
FakeRasa = Any  # conftest.FakeRasa
TRACK = {"title": "Track order 600001", "payload": '/track_order{"order_number": "600001"}'}
RATING = [{"title": str(n), "payload": f'/rate_support{{"rating": "{n}"}}'} for n in range(1, 6)]


@dataclass
class Setup:
    chat: ChatService
    hub: Hub
    rasa: FakeRasa
    engine: Engine

    def add(self, *rows: Any) -> None:
        with session_factory(self.engine).begin() as session:
            session.add_all(rows)

    def hand_off(self, conversation_id: str, **kwargs: Any) -> int:
        with session_factory(self.engine).begin() as session:
            return open_ticket(session, conversation_id=conversation_id, reason="human_requested", now=NOW,
                               transcript=[TranscriptLine(NOW, "customer", "a person please")], **kwargs).id

    def ticket(self, ticket_id: int) -> SupportTicket:
        with session_factory(self.engine)() as session:
            found = session.get(SupportTicket, ticket_id)
            assert found is not None
            session.expunge(found)
            return found


@pytest.fixture
async def setup(engine: Engine, fake_rasa: FakeRasa) -> AsyncIterator[Setup]:
    db = Database(engine.url.render_as_string(hide_password=False))
    relay = RasaRelay("http://rasa.test", token="t", transport=httpx.MockTransport(fake_rasa.handler))
    hub = Hub()
    kb = load_knowledge_base(ROOT / "backoffice" / "kb" / "policies.yml")
    chat = ChatService(db=db, relay=relay, hub=hub, kb=kb, secret=SECRET, clock=lambda: NOW)
    yield Setup(chat=chat, hub=hub, rasa=fake_rasa, engine=engine)
    await relay.aclose()
    db.close()


def answering(fake_rasa: FakeRasa, *messages: dict[str, Any]) -> None:
    fake_rasa.reply = lambda body: httpx.Response(200, json=list(messages))


def drain(queue: asyncio.Queue) -> list[dict[str, Any]]:
    events = []
    while not queue.empty():
        events.append(queue.get_nowait())
    return events


def lines(history: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(m["sender"], m["text"]) for m in history["messages"]]


SHOPPER = Identity("shopper-1", None, "shopper")


async def test_a_turn_stores_both_lines_and_pushes_them_live(setup: Setup) -> None:
    with setup.hub.subscribe(conversation_channel("shopper-1")) as tab, setup.hub.subscribe(CONSOLE) as console:
        turn = await setup.chat.says(SHOPPER, "hello")
        events = drain(tab)
        assert drain(console) == []  # nothing for staff while the assistant has the conversation
    assert (turn.sent["sender"], turn.sent["text"]) == ("customer", "hello")
    assert [(r["sender"], r["text"]) for r in turn.replies] == [("bot", "echo: hello")]
    assert not turn.handed_off and not turn.with_person
    assert [e["type"] for e in events] == ["message", "typing", "typing", "message"]
    assert events[0]["message"] == turn.sent and events[3]["message"] == turn.replies[0]
    assert (events[1]["on"], events[2]["on"]) == (True, False)
    history = await setup.chat.history("shopper-1")
    assert lines(history) == [("customer", "hello"), ("bot", "echo: hello")]
    assert history["conversation"] == {"id": "shopper-1", "mode": "bot", "ticket_id": None, "queue_position": None,
                                       "wait_minutes": None, "staffed": True, "agent_name": None}


async def test_the_assistant_gets_a_signed_identity(setup: Setup) -> None:
    setup.add(Customer(id=7, email="ada@example.com", name="Ada Lovelace", country="UK", created_at=NOW))
    await setup.chat.says(Identity("shopper-1", 7, "shopper"), "where is my order?")
    sent = setup.rasa.requests[-1]
    assert verify(sent["sender"], sent["metadata"], SECRET, text=sent["message"]) == Identity("shopper-1", 7, "shopper")
    with session_factory(setup.engine)() as session:
        assert session.get(Conversation, "shopper-1").customer_id == 7  # type: ignore[union-attr]


async def test_a_clicked_button_shows_its_title_and_sends_its_payload(setup: Setup) -> None:
    answering(setup.rasa, {"text": "Which order?", "buttons": [TRACK]})
    offer = (await setup.chat.says(SHOPPER, "where is my order?")).replies[0]
    answering(setup.rasa, {"text": "It is on its way."})
    turn = await setup.chat.says(SHOPPER, TRACK["payload"], button_of=offer["id"])
    assert turn.sent["text"] == "Track order 600001"
    assert setup.rasa.requests[-1]["message"] == TRACK["payload"]
    stored = (await setup.chat.history("shopper-1"))["messages"]
    assert stored[1]["id"] == offer["id"] and stored[1]["used"] == "Track order 600001"


async def test_clicking_a_picked_button_again_never_shows_the_raw_payload(setup: Setup) -> None:
    answering(setup.rasa, {"text": "Which order?", "buttons": [TRACK]})
    offer = (await setup.chat.says(SHOPPER, "where is my order?")).replies[0]
    answering(setup.rasa, {"text": "It is on its way."})
    await setup.chat.says(SHOPPER, TRACK["payload"], button_of=offer["id"])
    again = await setup.chat.says(SHOPPER, TRACK["payload"], button_of=offer["id"])
    assert again.sent["text"] == "Track order 600001"


async def test_typing_a_buttons_title_counts_as_picking_it(setup: Setup) -> None:
    answering(setup.rasa, {"text": "How would you rate our help?", "buttons": RATING})
    offer = (await setup.chat.says(SHOPPER, RESOLVED_PAYLOAD)).replies[0]
    answering(setup.rasa, {"text": "Thanks!"})
    turn = await setup.chat.says(SHOPPER, " 4 ")
    assert turn.sent["text"] == "4"
    stored = (await setup.chat.history("shopper-1"))["messages"]
    assert next(m for m in stored if m["id"] == offer["id"])["used"] == "4"


async def test_typing_a_title_in_another_case_also_picks_the_button(setup: Setup) -> None:
    answering(setup.rasa, {"text": "Which order?", "buttons": [TRACK]})
    offer = (await setup.chat.says(SHOPPER, "hi")).replies[0]
    turn = await setup.chat.says(SHOPPER, "track ORDER 600001")
    assert turn.sent["text"] == "Track order 600001"
    stored = (await setup.chat.history("shopper-1"))["messages"]
    assert next(m for m in stored if m["id"] == offer["id"])["used"] == "Track order 600001"


async def test_typing_a_buttons_title_sends_the_buttons_payload_to_the_assistant(setup: Setup) -> None:
    answering(setup.rasa, {"text": "How would you rate our help?", "buttons": RATING})
    await setup.chat.says(SHOPPER, RESOLVED_PAYLOAD)
    await setup.chat.says(SHOPPER, "4")
    assert setup.rasa.requests[-1]["message"] == '/rate_support{"rating": "4"}'


async def test_other_text_leaves_the_buttons_open(setup: Setup) -> None:
    answering(setup.rasa, {"text": "Which order?", "buttons": [TRACK]})
    offer = (await setup.chat.says(SHOPPER, "hi")).replies[0]
    answering(setup.rasa, {"text": "ok"})
    turn = await setup.chat.says(SHOPPER, "order 600002 actually")
    assert turn.sent["text"] == "order 600002 actually"
    assert setup.rasa.requests[-1]["message"] == "order 600002 actually"
    stored = (await setup.chat.history("shopper-1"))["messages"]
    assert next(m for m in stored if m["id"] == offer["id"])["used"] is None


async def test_a_hand_off_marker_gives_the_conversation_to_a_person(setup: Setup) -> None:
    ticket_holder: dict[str, int] = {}

    def hand_off(body: dict[str, Any]) -> httpx.Response:
        ticket_holder["id"] = setup.hand_off(body["sender"])
        return httpx.Response(200, json=[
            {"text": "A person will be with you shortly."},
            {"custom": {"shopdesk_event": {"type": "handoff", "ticket_id": ticket_holder["id"]}}},
        ])

    setup.rasa.reply = hand_off
    with setup.hub.subscribe(conversation_channel("shopper-1")) as tab, setup.hub.subscribe(CONSOLE) as console:
        turn = await setup.chat.says(SHOPPER, "I want a person")
        tab_events, console_events = drain(tab), drain(console)
        assert turn.handed_off and not turn.with_person
        assert [r["text"] for r in turn.replies] == ["A person will be with you shortly."]  # the marker is not a line
        ticket_id = ticket_holder["id"]
        state = tab_events[-1]
        assert state["type"] == "conversation"
        assert (state["conversation"]["mode"], state["conversation"]["ticket_id"],
                state["conversation"]["queue_position"], state["conversation"]["wait_minutes"]) == (
            "human", ticket_id, 1, 6)
        assert [(e["type"], e["ticket"]["id"], e["ticket"]["status"]) for e in console_events] == [
            ("ticket", ticket_id, "pending")]

        calls = len(setup.rasa.requests)
        later = await setup.chat.says(SHOPPER, "still there?")
        assert later.with_person and later.replies == [] and not later.handed_off
        assert len(setup.rasa.requests) == calls
        assert drain(console) == [{"type": "message", "ticket_id": ticket_id, "message": later.sent}]
        assert drain(tab) == [{"type": "message", "message": later.sent}]
    history = await setup.chat.history("shopper-1")
    assert history["conversation"]["mode"] == "human"
    assert lines(history)[-1] == ("customer", "still there?")


async def test_a_marker_for_a_ticket_that_does_not_exist_changes_nothing(setup: Setup) -> None:
    answering(setup.rasa, {"text": "ok"}, {"custom": {"shopdesk_event": {"type": "handoff", "ticket_id": 999}}})
    turn = await setup.chat.says(SHOPPER, "hi")
    assert not turn.handed_off
    assert (await setup.chat.history("shopper-1"))["conversation"]["mode"] == "bot"


async def test_an_agent_reply_claims_the_ticket_and_reaches_the_shopper(setup: Setup) -> None:
    await setup.chat.says(SHOPPER, "hello")
    setup.add(StaffMember(id=5, username="sam", display_name="Sam", role="agent", password_hash="-", active=True,
                          created_at=NOW))
    ticket_id = setup.hand_off("shopper-1")
    with setup.hub.subscribe(conversation_channel("shopper-1")) as tab, setup.hub.subscribe(CONSOLE) as console:
        line = await setup.chat.agent_says(5, ticket_id, "Hi, Sam here")
        tab_events, console_events = drain(tab), drain(console)
    assert (line["sender"], line["text"], line["agent_name"]) == ("agent", "Hi, Sam here", "Sam")
    assert tab_events[0] == {"type": "message", "message": line}
    assert tab_events[1]["conversation"]["agent_name"] == "Sam"
    assert tab_events[1]["conversation"]["queue_position"] is None
    assert console_events[0] == {"type": "message", "ticket_id": ticket_id, "message": line}
    assert console_events[1]["ticket"]["status"] == "open"
    saved = setup.ticket(ticket_id)
    assert (saved.status, saved.assignee_id, saved.claimed_at) == ("open", 5, NOW)


async def test_resolving_returns_the_conversation_to_the_assistant_which_asks_for_a_rating(setup: Setup) -> None:
    setup.add(Customer(id=7, email="ada@example.com", name="Ada Lovelace", country="UK", created_at=NOW),
              StaffMember(id=5, username="sam", display_name="Sam", role="agent", password_hash="-", active=True,
                          created_at=NOW))
    await setup.chat.says(Identity("shopper-1", 7), "hello")
    ticket_id = setup.hand_off("shopper-1", customer_id=7)
    answering(setup.rasa, {"text": "How would you rate our help?", "buttons": RATING})
    summary = await setup.chat.resolve(5, ticket_id)
    assert summary["status"] == "resolved"
    sent = setup.rasa.requests[-1]
    assert sent["message"] == RESOLVED_PAYLOAD
    assert verify(sent["sender"], sent["metadata"], SECRET, text=sent["message"]) == Identity("shopper-1", 7, "shopper")
    history = await setup.chat.history("shopper-1")
    assert lines(history)[-2:] == [("system", "Sam has closed this conversation. The assistant is back to help."),
                                   ("bot", "How would you rate our help?")]
    assert history["messages"][-1]["buttons"] == RATING
    assert history["conversation"]["mode"] == "bot"


async def test_staff_using_the_assistant_are_signed_with_their_role(setup: Setup) -> None:
    setup.add(StaffMember(id=9, username="olive", display_name="Olive", role="operator", password_hash="-",
                          active=True, created_at=NOW))
    await setup.chat.says(Identity("staff-9", None, "operator"), "stock report", staff_id=9)
    sent = setup.rasa.requests[-1]
    assert verify(sent["sender"], sent["metadata"], SECRET, text=sent["message"]).role == "operator"
    with session_factory(setup.engine)() as session:
        assert session.get(Conversation, "staff-9").staff_id == 9  # type: ignore[union-attr]


async def test_nothing_is_stored_for_an_empty_answer_and_typing_still_stops(setup: Setup) -> None:
    answering(setup.rasa)
    with setup.hub.subscribe(conversation_channel("shopper-1")) as tab:
        turn = await setup.chat.says(SHOPPER, "hi")
        events = drain(tab)
    assert turn.replies == []
    assert events[-1] == {"type": "typing", "sender": "bot", "on": False}
    assert lines(await setup.chat.history("shopper-1")) == [("customer", "hi")]


async def test_the_history_after_an_id_has_only_newer_lines(setup: Setup) -> None:
    first = await setup.chat.says(SHOPPER, "one")
    await setup.chat.says(SHOPPER, "two")
    newer = await setup.chat.history("shopper-1", after=first.replies[0]["id"])
    assert lines(newer) == [("customer", "two"), ("bot", "echo: two")]


# -- what is kept of a Rasa message ---------------------------------------------------------------------------------

def test_split_reply_keeps_safe_images_and_cards_only() -> None:
    text, data, event = split_reply({
        "text": "Here you go", "image": "javascript:alert(1)",
        "custom": {"cards": [{"title": "Mug", "price": 3.5, "url": "https://shop.example/mug",
                              "image": "data:text/html,<script>"},
                             {"subtitle": "no title"}, "junk",
                             *[{"title": f"Card {n}"} for n in range(12)]]},
    })
    assert (text, event) == ("Here you go", None)
    assert "image" not in data
    assert data["cards"][0] == {"title": "Mug", "price": "3.5", "url": "https://shop.example/mug"}
    assert len(data["cards"]) == 10


def test_split_reply_finds_the_shopdesk_event_and_buttons() -> None:
    text, data, event = split_reply({"custom": {"shopdesk_event": {"type": "handoff", "ticket_id": 3}}})
    assert (text, data, event) == (None, {}, {"type": "handoff", "ticket_id": 3})
    _, data, _ = split_reply({"text": "Pick", "buttons": [TRACK], "image": "https://example.com/a.png"})
    assert data == {"buttons": [TRACK], "used": None, "image": "https://example.com/a.png"}


def test_the_fixed_clock_is_inside_staffed_hours() -> None:
    kb = load_knowledge_base(ROOT / "backoffice" / "kb" / "policies.yml")
    assert kb.support.is_staffed(NOW) and not kb.support.is_staffed(NOW + timedelta(hours=10))


async def test_a_slow_answer_is_stored_and_pushed_when_it_arrives(engine: Engine) -> None:
    release = asyncio.Event()

    async def slow_rasa(request: httpx.Request) -> httpx.Response:
        await release.wait()
        return httpx.Response(200, json=[{"text": "Your plan is ready."}])

    db = Database(engine.url.render_as_string(hide_password=False))
    relay = RasaRelay("http://rasa.test", token="t", transport=httpx.MockTransport(slow_rasa))
    hub = Hub()
    chat = ChatService(db=db, relay=relay, hub=hub, kb=load_knowledge_base(ROOT / "backoffice" / "kb" / "policies.yml"),
                       secret=SECRET, clock=lambda: NOW, reply_wait=0.2)
    try:
        with hub.subscribe(conversation_channel("shopper-1")) as tab:
            turn = await chat.says(SHOPPER, "plan tomorrow")
            assert turn.pending and turn.replies == []
            assert lines(await chat.history("shopper-1")) == [("customer", "plan tomorrow")]
            release.set()
            for _ in range(100):
                if len(lines(await chat.history("shopper-1"))) == 2:
                    break
                await asyncio.sleep(0.05)
            events = drain(tab)
        assert lines(await chat.history("shopper-1")) == [("customer", "plan tomorrow"), ("bot", "Your plan is ready.")]
        pushed = [e["message"]["text"] for e in events if e["type"] == "message"]
        assert pushed == ["plan tomorrow", "Your plan is ready."]
        assert [e["on"] for e in events if e["type"] == "typing"] == [True, False]
    finally:
        await relay.aclose()
        db.close()


async def test_deliver_stores_pushed_answers_in_the_conversation(setup: Setup) -> None:
    with setup.hub.subscribe(conversation_channel("staff-3")) as tab:
        replies, _ = await setup.chat.deliver("staff-3", [{"text": "Tomorrow: 2 vans", "image": "https://x.test/m.png"}])
        assert [e["message"]["text"] for e in drain(tab)] == ["Tomorrow: 2 vans"]
    assert [(r["text"], r["image"]) for r in replies] == [("Tomorrow: 2 vans", "https://x.test/m.png")]
