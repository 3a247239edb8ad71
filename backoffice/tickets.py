"""Support tickets for hand-offs, with the conversation transcript."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import SupportTicket, TicketMessage, TicketStatus

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
        session.flush()
        known: set[tuple[str, str, datetime]] = set()
    else:
        if PRIORITY.get(reason) == "high":
            ticket.priority = "high"
        known = {(m.sender, m.text, m.at) for m in ticket.messages}
    for line in transcript:
        if (line.sender, line.text, line.at) not in known:
            session.add(TicketMessage(ticket_id=ticket.id, at=line.at, sender=line.sender, text=line.text[:10000]))
    session.flush()
    return ticket
