"""The conversation log: lines kept in order, read back after an id, and buttons picked only once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from backoffice.conversations import MAX_TEXT_CHARS, ensure_conversation, history, mark_button_used, record
from backoffice.models import Conversation
from tests.factories import NOW, build_store

BUTTONS = [{"title": "Track order 600001", "payload": '/track_order{"order_number": "600001"}'},
           {"title": "Something else", "payload": "/other"}]


def lines(session: Session, conversation_id: str, **kwargs: int) -> list[tuple[str, str | None]]:
    return [(m.sender, m.text) for m in history(session, conversation_id, **kwargs)]


def test_lines_come_back_oldest_first_with_their_ids(session: Session, sessions: sessionmaker[Session]) -> None:
    first = record(session, "c1", sender="customer", text="hello", now=NOW)
    second = record(session, "c1", sender="bot", text="Hi! How can I help?", now=NOW + timedelta(seconds=1))
    third = record(session, "c1", sender="agent", text="Sam here", now=NOW + timedelta(seconds=2))
    record(session, "c1", sender="system", text="Sam has closed this conversation.", now=NOW + timedelta(seconds=3))
    session.commit()
    assert first.id < second.id < third.id
    with sessions() as fresh:
        assert lines(fresh, "c1") == [("customer", "hello"), ("bot", "Hi! How can I help?"), ("agent", "Sam here"),
                                      ("system", "Sam has closed this conversation.")]
        assert lines(fresh, "c1", after=second.id) == [("agent", "Sam here"),
                                                       ("system", "Sam has closed this conversation.")]


def test_conversations_do_not_see_each_others_lines(session: Session) -> None:
    record(session, "c1", sender="customer", text="mine", now=NOW)
    record(session, "c2", sender="customer", text="theirs", now=NOW)
    assert lines(session, "c1") == [("customer", "mine")]
    assert lines(session, "c2") == [("customer", "theirs")]
    assert lines(session, "unknown") == []


def test_the_limit_keeps_the_newest_lines_in_order(session: Session) -> None:
    for n in range(6):
        record(session, "c1", sender="customer", text=f"line {n}", now=NOW + timedelta(seconds=n))
    assert lines(session, "c1", limit=3) == [("customer", "line 3"), ("customer", "line 4"), ("customer", "line 5")]


def test_an_unknown_sender_is_refused(session: Session) -> None:
    with pytest.raises(ValueError, match="sender"):
        record(session, "c1", sender="admin", text="hi", now=NOW)


def test_a_very_long_line_is_cut_and_html_is_kept_as_plain_text(session: Session) -> None:
    record(session, "c1", sender="customer", text="x" * (MAX_TEXT_CHARS + 50), now=NOW)
    record(session, "c1", sender="customer", text="<script>alert('hi')</script>", now=NOW)
    stored = history(session, "c1")
    assert len(stored[0].text or "") == MAX_TEXT_CHARS
    assert stored[1].text == "<script>alert('hi')</script>"


def test_the_conversation_is_created_on_first_use_and_learns_its_customer_later(
    session: Session, sessions: sessionmaker[Session]
) -> None:
    build_store(session)
    record(session, "c1", sender="customer", text="hi", now=NOW)
    record(session, "c1", sender="customer", text="I signed in", now=NOW + timedelta(minutes=1), customer_id=101)
    ensure_conversation(session, "c1", now=NOW + timedelta(minutes=2), customer_id=202)  # never switches customer
    session.commit()
    with sessions() as fresh:
        conversation = fresh.get(Conversation, "c1")
        assert conversation is not None
        assert (conversation.customer_id, conversation.created_at, conversation.updated_at) == (
            101, NOW, NOW + timedelta(minutes=2))


def test_a_picked_button_is_marked_used_once(session: Session, sessions: sessionmaker[Session]) -> None:
    offer = record(session, "c1", sender="bot", text="Which order?", data={"buttons": BUTTONS, "used": None},
                   now=NOW)
    session.commit()
    assert mark_button_used(session, "c1", offer.id, BUTTONS[0]["payload"]) == "Track order 600001"
    session.commit()
    assert mark_button_used(session, "c1", offer.id, BUTTONS[1]["payload"]) is None  # already answered
    session.commit()
    with sessions() as fresh:
        saved = history(fresh, "c1")[0]
        assert saved.data == {"buttons": BUTTONS, "used": "Track order 600001"}


def test_only_a_button_the_bot_offered_in_this_conversation_counts(session: Session) -> None:
    offer = record(session, "c1", sender="bot", text="Which order?", data={"buttons": BUTTONS, "used": None},
                   now=NOW)
    plain = record(session, "c1", sender="bot", text="No buttons here", now=NOW)
    assert mark_button_used(session, "c2", offer.id, BUTTONS[0]["payload"]) is None  # someone else's message
    assert mark_button_used(session, "c1", offer.id, "/made_up") is None
    assert mark_button_used(session, "c1", plain.id, BUTTONS[0]["payload"]) is None
    assert mark_button_used(session, "c1", 999_999, BUTTONS[0]["payload"]) is None
    assert history(session, "c1")[0].data == {"buttons": BUTTONS, "used": None}
