"""Support tickets for hand-offs, with the conversation transcript."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import SupportTicket, TicketMessage, TicketStatus

MAX_LINE_CHARS = 10000
PRIORITY = {"complaint": "high", "fallback": "normal", "human_requested": "normal", "policy": "normal",
            "account": "low"}


@dataclass(frozen=True)
class TranscriptLine:
    """One message of the conversation before the hand-off."""

    at: datetime
    sender: str  # customer | bot
    text: str


def open_ticket(
    session: Session,
    *,
    conversation_id: str,
    reason: str,
    transcript: list[TranscriptLine],
    now: datetime,
    customer_id: int | None = None,
    order_id: int | None = None,
    summary: str = "",
) -> SupportTicket:
    """The conversation's unresolved ticket (new or existing), with the transcript lines it did not have yet."""
    ticket = session.scalars(
        select(SupportTicket).where(
            SupportTicket.conversation_id == conversation_id, SupportTicket.status != TicketStatus.RESOLVED
        )
    ).first()
    if ticket is None:
        ticket = SupportTicket(
            conversation_id=conversation_id, customer_id=customer_id, order_id=order_id, reason=reason,
            priority=PRIORITY.get(reason, "normal"), status=TicketStatus.PENDING, summary=summary[:2000],
            created_at=now,
        )
        session.add(ticket)
        known: set[tuple[str, str, datetime]] = set()
    else:
        if PRIORITY.get(reason) == "high":
            ticket.priority = "high"
        known = {(m.sender, m.text, m.at) for m in ticket.messages}
    for line in transcript:
        text = line.text[:MAX_LINE_CHARS]
        if (line.sender, text, line.at) not in known:
            ticket.messages.append(TicketMessage(at=line.at, sender=line.sender, text=text))
            known.add((line.sender, text, line.at))
    session.flush()
    return ticket
