"""The conversation log: every line the shopper, the assistant and staff exchanged, in order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import Conversation, ConversationMessage

SENDERS = ("customer", "bot", "agent", "system")
MAX_TEXT_CHARS = 10000
HISTORY_LIMIT = 500


def ensure_conversation(
    session: Session, conversation_id: str, *, now: datetime, customer_id: int | None = None,
    staff_id: int | None = None,
) -> Conversation:
    """The conversation with this id, created on first use."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        conversation = Conversation(id=conversation_id, customer_id=customer_id, staff_id=staff_id, created_at=now,
                                    updated_at=now)
        session.add(conversation)
    else:
        conversation.updated_at = now
        if conversation.customer_id is None and customer_id is not None:
            conversation.customer_id = customer_id
    return conversation


def record(
    session: Session, conversation_id: str, *, sender: str, now: datetime, text: str | None = None,
    data: dict[str, Any] | None = None, staff_id: int | None = None, customer_id: int | None = None,
) -> ConversationMessage:
    """Append one line to the conversation (created on first use) and return it with its id."""
    if sender not in SENDERS:
        raise ValueError(f"unknown sender {sender!r}")
    ensure_conversation(session, conversation_id, now=now, customer_id=customer_id)
    message = ConversationMessage(conversation_id=conversation_id, at=now, sender=sender,
                                  text=text[:MAX_TEXT_CHARS] if text is not None else None,
                                  data=data or None, staff_id=staff_id)
    session.add(message)
    session.flush()
    return message


def history(session: Session, conversation_id: str, *, after: int = 0,
            limit: int = HISTORY_LIMIT) -> list[ConversationMessage]:
    """The conversation's lines after message id ``after``, oldest first (the newest ``limit`` of them)."""
    query = (select(ConversationMessage)
             .where(ConversationMessage.conversation_id == conversation_id, ConversationMessage.id > after)
             .order_by(ConversationMessage.id.desc()).limit(limit))
    return list(reversed(session.scalars(query).all()))


def offered_title(session: Session, conversation_id: str, message_id: int, payload: str) -> str | None:
    """The title of the button with ``payload`` on that bot message of this conversation (used or not)."""
    message = session.get(ConversationMessage, message_id)
    if message is None or message.conversation_id != conversation_id or not message.data:
        return None
    return next((str(b.get("title")) for b in message.data.get("buttons") or [] if b.get("payload") == payload), None)


def mark_button_used(session: Session, conversation_id: str, message_id: int, payload: str) -> str | None:
    """Mark which button of a bot message the shopper picked; returns the button's title, or None.

    Only a button the bot really offered in this conversation counts, and only once.
    """
    message = session.get(ConversationMessage, message_id)
    if message is None or message.conversation_id != conversation_id or not message.data:
        return None
    if message.data.get("used"):
        return None
    for button in message.data.get("buttons") or []:
        if button.get("payload") == payload:
            message.data = {**message.data, "used": button.get("title")}
            session.flush()
            return str(button.get("title"))
    return None
