"""Hand-off tickets: one unresolved ticket per conversation, its transcript stored once and in order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backoffice.models import SupportTicket, TicketMessage, TicketStatus
from backoffice.tickets import TranscriptLine, open_ticket
from tests.factories import NOW

LINES = [
    TranscriptLine(NOW - timedelta(minutes=3), "customer", "Where is my order 600004?"),
    TranscriptLine(NOW - timedelta(minutes=3, seconds=-1), "bot", "It is on its way with Royal Mail."),
    TranscriptLine(NOW - timedelta(minutes=2), "customer", "That is too slow, I want a person"),
]
MORE = TranscriptLine(NOW - timedelta(minutes=1), "customer", "This is the worst service ever")


def open_in_own_session(sessions: sessionmaker[Session], reason: str, lines: list[TranscriptLine],
                        conversation_id: str = "conv-1", **kwargs) -> int:
    """One hand-off as the action server does it: its own session and transaction."""
    with sessions() as session:
        ticket = open_ticket(session, conversation_id=conversation_id, reason=reason, transcript=lines, now=NOW,
                             **kwargs)
        session.commit()
        return ticket.id


def tickets(sessions: sessionmaker[Session]) -> list[tuple[int, str, str, str, str]]:
    with sessions() as session:
        return [(t.id, t.conversation_id, t.reason, t.priority, t.status)
                for t in session.scalars(select(SupportTicket).order_by(SupportTicket.id))]


def transcript(sessions: sessionmaker[Session], ticket_id: int) -> list[tuple[str, str]]:
    with sessions() as session:
        query = select(TicketMessage).where(TicketMessage.ticket_id == ticket_id).order_by(TicketMessage.id)
        return [(m.sender, m.text) for m in session.scalars(query)]


def test_open_ticket_creates_a_pending_ticket_with_the_transcript(session: Session,
                                                                  sessions: sessionmaker[Session]) -> None:
    ticket = open_ticket(session, conversation_id="conv-1", reason="human_requested", transcript=LINES, now=NOW,
                         summary="That is too slow, I want a person")
    session.commit()
    assert tickets(sessions) == [(ticket.id, "conv-1", "human_requested", "normal", "pending")]
    with sessions() as fresh:
        saved = fresh.get(SupportTicket, ticket.id)
        assert (saved.created_at, saved.summary, saved.customer_id, saved.order_id, saved.resolved_at) == (
            NOW, "That is too slow, I want a person", None, None, None)
        assert [(m.at, m.sender, m.text) for m in saved.messages] == [(x.at, x.sender, x.text) for x in LINES]


@pytest.mark.parametrize(("reason", "priority"), [
    ("complaint", "high"), ("fallback", "normal"), ("human_requested", "normal"), ("policy", "normal"),
    ("account", "low"), ("something_new", "normal"),
])
def test_priority_follows_the_reason(session: Session, reason: str, priority: str) -> None:
    ticket = open_ticket(session, conversation_id="conv-1", reason=reason, transcript=[], now=NOW)
    assert (ticket.reason, ticket.priority, ticket.status) == (reason, priority, TicketStatus.PENDING)


def test_the_summary_is_cut_to_2000_characters(session: Session) -> None:
    ticket = open_ticket(session, conversation_id="conv-1", reason="fallback", transcript=[], now=NOW,
                         summary="s" * 2500)
    assert ticket.summary == "s" * 2000


def test_the_same_conversation_reuses_its_ticket_and_adds_only_new_lines(sessions: sessionmaker[Session]) -> None:
    first = open_in_own_session(sessions, "human_requested", LINES)
    second = open_in_own_session(sessions, "complaint", [*LINES, MORE])
    third = open_in_own_session(sessions, "fallback", [*LINES, MORE])
    assert first == second == third
    assert tickets(sessions) == [(first, "conv-1", "human_requested", "high", "pending")]
    assert transcript(sessions, first) == [(x.sender, x.text) for x in [*LINES, MORE]]


def test_a_later_low_priority_reason_does_not_lower_the_priority(sessions: sessionmaker[Session]) -> None:
    ticket_id = open_in_own_session(sessions, "complaint", LINES)
    open_in_own_session(sessions, "account", LINES)
    assert tickets(sessions) == [(ticket_id, "conv-1", "complaint", "high", "pending")]


def test_a_ticket_being_worked_on_is_still_reused(sessions: sessionmaker[Session]) -> None:
    ticket_id = open_in_own_session(sessions, "fallback", LINES[:1])
    with sessions() as session:
        session.get(SupportTicket, ticket_id).status = TicketStatus.OPEN
        session.commit()
    assert open_in_own_session(sessions, "fallback", LINES) == ticket_id
    assert transcript(sessions, ticket_id) == [(x.sender, x.text) for x in LINES]


def test_the_same_words_at_another_time_are_a_new_line(sessions: sessionmaker[Session]) -> None:
    again = TranscriptLine(LINES[0].at + timedelta(minutes=5), LINES[0].sender, LINES[0].text)
    ticket_id = open_in_own_session(sessions, "fallback", LINES[:1])
    open_in_own_session(sessions, "fallback", [LINES[0], again])
    assert transcript(sessions, ticket_id) == [("customer", "Where is my order 600004?")] * 2


def test_after_resolution_the_conversation_gets_a_new_ticket(sessions: sessionmaker[Session]) -> None:
    old = open_in_own_session(sessions, "complaint", LINES)
    with sessions() as session:
        ticket = session.get(SupportTicket, old)
        ticket.status, ticket.resolved_at = TicketStatus.RESOLVED, NOW
        session.commit()
    new = open_in_own_session(sessions, "fallback", [*LINES, MORE])
    assert new != old
    assert tickets(sessions) == [(old, "conv-1", "complaint", "high", "resolved"),
                                 (new, "conv-1", "fallback", "normal", "pending")]
    assert transcript(sessions, old) == [(x.sender, x.text) for x in LINES]
    assert transcript(sessions, new) == [(x.sender, x.text) for x in [*LINES, MORE]]


def test_other_conversations_get_their_own_tickets(sessions: sessionmaker[Session]) -> None:
    one = open_in_own_session(sessions, "fallback", LINES[:1], conversation_id="conv-1")
    two = open_in_own_session(sessions, "fallback", LINES[:1], conversation_id="conv-2")
    assert one != two
    assert transcript(sessions, two) == [("customer", "Where is my order 600004?")]


def test_repeated_calls_in_one_session_store_each_line_once(session: Session, sessions: sessionmaker[Session]) -> None:
    for count in (1, 2, 3):
        ticket = open_ticket(session, conversation_id="conv-1", reason="fallback", transcript=LINES[:count], now=NOW)
    session.commit()
    assert transcript(sessions, ticket.id) == [(x.sender, x.text) for x in LINES]


def test_a_very_long_line_is_stored_once(sessions: sessionmaker[Session]) -> None:
    long_line = TranscriptLine(NOW, "customer", "a" * 10_500)
    ticket_id = open_in_own_session(sessions, "fallback", [long_line])
    open_in_own_session(sessions, "fallback", [long_line])
    assert transcript(sessions, ticket_id) == [("customer", "a" * 10_000)]
