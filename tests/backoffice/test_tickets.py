"""Hand-off tickets: one unresolved ticket per conversation, its transcript stored once and in order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backoffice.conversations import record
from backoffice.models import StaffMember, SupportTicket, TicketMessage, TicketStatus
from backoffice.tickets import (
    TicketError,
    TranscriptLine,
    active_ticket,
    add_note,
    assign,
    claim,
    list_tickets,
    minutes_per_ticket,
    open_ticket,
    queue_spot,
    record_rating,
    resolve,
    status_counts,
)
from tests.factories import NOW, build_store

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


# -- the console's side: queue, claiming, assigning, resolving, notes, ratings, search -----------------------------

def staff_member(session: Session, username: str, name: str, *, active: bool = True) -> StaffMember:
    member = StaffMember(username=username, display_name=name, role="agent", password_hash="not-used",
                         active=active, created_at=NOW)
    session.add(member)
    session.flush()
    return member


def waiting(session: Session, conversation_id: str, reason: str = "fallback", *, minutes_ago: int = 0,
            **kwargs) -> SupportTicket:
    return open_ticket(session, conversation_id=conversation_id, reason=reason, transcript=[],
                       now=NOW - timedelta(minutes=minutes_ago), **kwargs)


def test_a_pending_or_open_ticket_is_the_conversations_active_ticket(session: Session) -> None:
    sam = staff_member(session, "sam", "Sam")
    assert active_ticket(session, "conv-1") is None
    ticket = waiting(session, "conv-1")
    assert active_ticket(session, "conv-1") is ticket
    claim(session, ticket, sam, now=NOW)
    assert active_ticket(session, "conv-1") is ticket
    resolve(session, ticket, now=NOW)
    assert active_ticket(session, "conv-1") is None
    assert active_ticket(session, "conv-2") is None


def test_queue_position_is_high_priority_first_then_oldest(session: Session) -> None:
    older = waiting(session, "c-older", minutes_ago=10)
    newer = waiting(session, "c-newer", minutes_ago=5)
    urgent = waiting(session, "c-urgent", "complaint", minutes_ago=1)
    low = waiting(session, "c-low", "account", minutes_ago=30)
    spots = {t.conversation_id: queue_spot(session, t, default_minutes=6) for t in (older, newer, urgent, low)}
    assert {k: (v.position, v.wait_minutes) for k, v in spots.items() if v} == {
        "c-urgent": (1, 6), "c-older": (2, 12), "c-newer": (3, 18), "c-low": (4, 24)}
    assert [t.conversation_id for t in list_tickets(session, status="pending")] == [
        "c-urgent", "c-older", "c-newer", "c-low"]


def test_claimed_tickets_leave_the_queue(session: Session) -> None:
    sam = staff_member(session, "sam", "Sam")
    first, second = waiting(session, "c1", minutes_ago=5), waiting(session, "c2", minutes_ago=1)
    claim(session, first, sam, now=NOW)
    assert queue_spot(session, first, default_minutes=6) is None
    spot = queue_spot(session, second, default_minutes=6)
    assert spot is not None and spot.position == 1


def test_tickets_opened_at_the_same_moment_get_different_places(session: Session) -> None:
    first, second = waiting(session, "c1"), waiting(session, "c2")
    spots = [queue_spot(session, t, default_minutes=6) for t in (first, second)]
    assert sorted(s.position for s in spots if s) == [1, 2]


def test_expected_wait_uses_the_median_handling_time_once_there_are_enough_tickets(session: Session) -> None:
    sam = staff_member(session, "sam", "Sam")
    assert minutes_per_ticket(session, 6) == 6  # nothing resolved yet
    for n, minutes in enumerate((4, 10, 30)):
        ticket = waiting(session, f"done-{n}", minutes_ago=60)
        claim(session, ticket, sam, now=NOW)
        resolve(session, ticket, now=NOW + timedelta(minutes=minutes))
        if n == 1:
            assert minutes_per_ticket(session, 6) == 6  # two are too few to trust
    assert minutes_per_ticket(session, 6) == 10
    spot = queue_spot(session, waiting(session, "c-new"), default_minutes=6)
    assert spot is not None and (spot.position, spot.wait_minutes) == (1, 10)


def test_claim_makes_the_ticket_open_and_mine(session: Session) -> None:
    sam = staff_member(session, "sam", "Sam")
    ticket = waiting(session, "c1")
    claim(session, ticket, sam, now=NOW)
    assert (ticket.status, ticket.assignee_id, ticket.claimed_at) == (TicketStatus.OPEN, sam.id, NOW)
    claim(session, ticket, sam, now=NOW + timedelta(minutes=1))  # claiming my own ticket again is fine
    assert ticket.claimed_at == NOW


def test_a_colleague_cannot_claim_a_ticket_someone_is_handling(session: Session) -> None:
    sam, kim = staff_member(session, "sam", "Sam"), staff_member(session, "kim", "Kim")
    ticket = waiting(session, "c1")
    claim(session, ticket, sam, now=NOW)
    with pytest.raises(TicketError, match="Sam is already handling this conversation"):
        claim(session, ticket, kim, now=NOW)
    assert ticket.assignee_id == sam.id


def test_assign_hands_the_ticket_to_a_colleague_but_not_a_disabled_one(session: Session) -> None:
    sam, kim = staff_member(session, "sam", "Sam"), staff_member(session, "kim", "Kim")
    gone = staff_member(session, "gone", "Gone", active=False)
    ticket = waiting(session, "c1")
    claim(session, ticket, sam, now=NOW)
    assign(session, ticket, kim, now=NOW + timedelta(minutes=2))
    assert (ticket.assignee_id, ticket.status, ticket.claimed_at) == (kim.id, TicketStatus.OPEN, NOW)
    with pytest.raises(TicketError, match="disabled"):
        assign(session, ticket, gone, now=NOW)
    assert ticket.assignee_id == kim.id


def test_a_resolved_ticket_cannot_be_claimed_assigned_or_resolved_again(session: Session) -> None:
    sam = staff_member(session, "sam", "Sam")
    ticket = waiting(session, "c1")
    resolve(session, ticket, now=NOW)
    assert (ticket.status, ticket.resolved_at) == (TicketStatus.RESOLVED, NOW)
    for action in (lambda: claim(session, ticket, sam, now=NOW), lambda: assign(session, ticket, sam, now=NOW),
                   lambda: resolve(session, ticket, now=NOW)):
        with pytest.raises(TicketError, match="already resolved"):
            action()


def test_notes_are_kept_in_order_with_their_author(session: Session, sessions: sessionmaker[Session]) -> None:
    sam = staff_member(session, "sam", "Sam")
    ticket = waiting(session, "c1")
    add_note(session, ticket, sam, "  Customer sounds upset  ", now=NOW)
    add_note(session, ticket, sam, "x" * 5000, now=NOW + timedelta(minutes=1))
    with pytest.raises(TicketError, match="empty"):
        add_note(session, ticket, sam, "   ", now=NOW)
    session.commit()
    with sessions() as fresh:
        notes = fresh.get(SupportTicket, ticket.id).notes
        assert [(n.text[:20], n.author.display_name) for n in notes] == [("Customer sounds upse", "Sam"),
                                                                         ("x" * 20, "Sam")]
        assert len(notes[1].text) == 4000


def test_a_rating_goes_to_the_latest_resolved_unrated_ticket(session: Session) -> None:
    first = waiting(session, "c1", minutes_ago=60)
    resolve(session, first, now=NOW - timedelta(minutes=30))
    second = waiting(session, "c1", minutes_ago=20)
    resolve(session, second, now=NOW - timedelta(minutes=10))
    assert record_rating(session, "c1", 4) is second
    assert record_rating(session, "c1", 2) is first
    assert record_rating(session, "c1", 5) is None  # nothing left to rate
    assert (first.rating, second.rating) == (2, 4)


def test_a_rating_needs_a_resolved_ticket_and_a_whole_number_from_1_to_5(session: Session) -> None:
    waiting(session, "c1")
    assert record_rating(session, "c1", 5) is None  # still being handled
    for bad in (0, 6, -1):
        with pytest.raises(TicketError):
            record_rating(session, "c1", bad)


def test_counts_and_status_filters(session: Session) -> None:
    sam = staff_member(session, "sam", "Sam")
    assert status_counts(session) == {"pending": 0, "open": 0, "resolved": 0}
    tickets_ = [waiting(session, f"c{n}", minutes_ago=n) for n in range(4)]
    claim(session, tickets_[0], sam, now=NOW)
    claim(session, tickets_[1], sam, now=NOW)
    resolve(session, tickets_[1], now=NOW)
    assert status_counts(session) == {"pending": 2, "open": 1, "resolved": 1}
    assert [t.conversation_id for t in list_tickets(session, status="open")] == ["c0"]
    assert [t.conversation_id for t in list_tickets(session, status="resolved")] == ["c1"]
    assert [t.conversation_id for t in list_tickets(session)] == ["c0", "c1", "c2", "c3"]  # newest first


def test_search_by_customer_order_number_and_conversation_text(session: Session) -> None:
    store = build_store(session)
    alice = waiting(session, "c-alice", customer_id=store.alice.id, order_id=store.orders["shipped"].id)
    bob = waiting(session, "c-bob", customer_id=store.bob.id)
    record(session, "c-bob", sender="customer", text="My parcel arrived DAMAGED", now=NOW)
    waiting(session, "c-anon", summary="I want to speak to a manager")

    def found(query: str) -> list[str]:
        return [t.conversation_id for t in list_tickets(session, query=query)]

    assert found("alice") == [alice.conversation_id]
    assert found("ARCHER") == [alice.conversation_id]
    assert found("bob@example") == [bob.conversation_id]
    assert found("600004") == [alice.conversation_id]
    assert found("damaged") == [bob.conversation_id]
    assert found("manager") == ["c-anon"]
    assert found("nothing like this") == []
    assert sorted(found("  ")) == ["c-alice", "c-anon", "c-bob"]


def test_search_also_finds_the_transcript_the_action_server_stored(session: Session) -> None:
    ticket = open_ticket(session, conversation_id="c1", reason="fallback", transcript=LINES, now=NOW)
    waiting(session, "c2")
    assert list_tickets(session, query="too slow") == [ticket]


def test_search_treats_percent_and_underscore_as_plain_characters(session: Session) -> None:
    plain = waiting(session, "c-plain")
    plain.summary = "parcel never came"
    odd = waiting(session, "c-odd")
    odd.summary = "code 50%_off did not apply"
    session.flush()
    assert [t.id for t in list_tickets(session, query="_")] == [odd.id]
    assert [t.id for t in list_tickets(session, query="50%")] == [odd.id]
