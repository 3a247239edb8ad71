"""Support tickets for hand-offs, with the conversation transcript."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from backoffice.models import (
    ConversationMessage,
    Customer,
    Order,
    StaffMember,
    StaffRole,
    SupportTicket,
    TicketMessage,
    TicketNote,
    TicketStatus,
)

MAX_LINE_CHARS = 10000
PRIORITY_RANK = {"high": 0, "normal": 1, "low": 2}
MAX_NOTE_CHARS = 4000
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


class TicketError(ValueError):
    """A ticket action that does not fit the ticket's state; the message says why."""


@dataclass(frozen=True)
class QueueSpot:
    """Where a waiting ticket is in the queue and roughly how long until a person picks it up."""

    position: int
    wait_minutes: int


def active_ticket(session: Session, conversation_id: str) -> SupportTicket | None:
    """The conversation's pending or open ticket: while there is one, a person has the conversation."""
    return session.scalars(
        select(SupportTicket)
        .where(SupportTicket.conversation_id == conversation_id, SupportTicket.status != TicketStatus.RESOLVED)
        .order_by(SupportTicket.id.desc())
    ).first()


def _rank() -> ColumnElement[int]:
    return case(PRIORITY_RANK, value=SupportTicket.priority, else_=1)


def queue_spot(session: Session, ticket: SupportTicket, *, default_minutes: int) -> QueueSpot | None:
    """Queue position (high priority first, then oldest) and expected wait; None once the ticket is claimed."""
    if ticket.status != TicketStatus.PENDING:
        return None
    rank = PRIORITY_RANK.get(ticket.priority, 1)
    ahead = session.scalar(
        select(func.count()).select_from(SupportTicket).where(
            SupportTicket.status == TicketStatus.PENDING, SupportTicket.id != ticket.id,
            or_(_rank() < rank,
                and_(_rank() == rank, or_(SupportTicket.created_at < ticket.created_at,
                                          and_(SupportTicket.created_at == ticket.created_at,
                                               SupportTicket.id < ticket.id)))),
        )
    ) or 0
    return QueueSpot(position=ahead + 1, wait_minutes=(ahead + 1) * minutes_per_ticket(session, default_minutes))


def minutes_per_ticket(session: Session, default_minutes: int, *, sample: int = 20) -> int:
    """Median minutes from claim to resolution over recent tickets, or ``default_minutes`` with too few."""
    rows = session.execute(
        select(SupportTicket.claimed_at, SupportTicket.resolved_at)
        .where(SupportTicket.claimed_at.is_not(None), SupportTicket.resolved_at.is_not(None))
        .order_by(SupportTicket.resolved_at.desc()).limit(sample)
    ).all()
    spans = [(done - claimed).total_seconds() / 60 for claimed, done in rows if done >= claimed]
    if len(spans) < 3:
        return default_minutes
    return max(1, round(statistics.median(spans)))


def claim(session: Session, ticket: SupportTicket, staff: StaffMember, *, now: datetime) -> SupportTicket:
    """Take a pending ticket (or one already mine); a resolved one cannot be claimed."""
    if ticket.status == TicketStatus.RESOLVED:
        raise TicketError("this conversation is already resolved")
    if ticket.assignee_id not in (None, staff.id) and ticket.status == TicketStatus.OPEN:
        owner = ticket.assignee.display_name if ticket.assignee else "someone else"
        raise TicketError(f"{owner} is already handling this conversation")
    return assign(session, ticket, staff, now=now)


def assign(session: Session, ticket: SupportTicket, staff: StaffMember, *, now: datetime) -> SupportTicket:
    """Give the ticket to ``staff``; it becomes open."""
    if ticket.status == TicketStatus.RESOLVED:
        raise TicketError("this conversation is already resolved")
    if not staff.active:
        raise TicketError(f"{staff.display_name}'s account is disabled")
    ticket.assignee_id, ticket.assignee = staff.id, staff
    ticket.status = TicketStatus.OPEN
    ticket.claimed_at = ticket.claimed_at or now
    session.flush()
    return ticket


def hand_on(session: Session, ticket: SupportTicket, by: StaffMember, to: StaffMember, *,
            now: datetime) -> SupportTicket:
    """``by`` gives the ticket to ``to``: a waiting ticket, one of ``by``'s own, or any one if ``by`` is an admin."""
    if (ticket.status == TicketStatus.OPEN and ticket.assignee_id not in (None, by.id)
            and by.role != StaffRole.ADMIN):
        owner = ticket.assignee.display_name if ticket.assignee else "someone else"
        raise TicketError(f"{owner} is handling this conversation; only they or an admin can hand it on")
    return assign(session, ticket, to, now=now)


def resolve(session: Session, ticket: SupportTicket, *, now: datetime) -> SupportTicket:
    """Close the ticket: the assistant takes the conversation back."""
    if ticket.status == TicketStatus.RESOLVED:
        raise TicketError("this conversation is already resolved")
    ticket.status = TicketStatus.RESOLVED
    ticket.resolved_at = now
    session.flush()
    return ticket


def add_note(session: Session, ticket: SupportTicket, staff: StaffMember, text: str, *, now: datetime) -> TicketNote:
    """A private note on the ticket (never shown to the customer)."""
    text = text.strip()
    if not text:
        raise TicketError("the note is empty")
    note = TicketNote(ticket_id=ticket.id, staff_id=staff.id, at=now, text=text[:MAX_NOTE_CHARS])
    note.author = staff
    ticket.notes.append(note)
    session.flush()
    return note


def record_rating(session: Session, conversation_id: str, rating: int) -> SupportTicket | None:
    """Store a 1-5 rating on the conversation's latest resolved, unrated ticket; None when there is none."""
    if not 1 <= rating <= 5:
        raise TicketError("a rating is a whole number from 1 to 5")
    ticket = session.scalars(
        select(SupportTicket)
        .where(SupportTicket.conversation_id == conversation_id, SupportTicket.status == TicketStatus.RESOLVED,
               SupportTicket.rating.is_(None))
        .order_by(SupportTicket.resolved_at.desc())
    ).first()
    if ticket is not None:
        ticket.rating = rating
        session.flush()
    return ticket


def list_tickets(session: Session, *, status: str | None = None, query: str = "",
                 limit: int = 200) -> list[SupportTicket]:
    """Tickets for the console queue: waiting ones by priority then age, others newest first.

    ``query`` matches the customer's name or e-mail, an order number, or any line of the conversation.
    """
    stmt = select(SupportTicket)
    if status:
        stmt = stmt.where(SupportTicket.status == status)
    text = query.strip()
    if text:
        escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        stmt = stmt.where(or_(
            exists().where(Customer.id == SupportTicket.customer_id,
                           or_(func.lower(Customer.name).like(like, escape="\\"),
                               func.lower(Customer.email).like(like, escape="\\"))),
            exists().where(Order.id == SupportTicket.order_id, Order.number == text),
            exists().where(ConversationMessage.conversation_id == SupportTicket.conversation_id,
                           func.lower(ConversationMessage.text).like(like, escape="\\")),
            exists().where(TicketMessage.ticket_id == SupportTicket.id,
                           func.lower(TicketMessage.text).like(like, escape="\\")),
            func.lower(SupportTicket.summary).like(like, escape="\\"),
        ))
    if status == TicketStatus.PENDING:
        stmt = stmt.order_by(_rank(), SupportTicket.created_at)
    else:
        stmt = stmt.order_by(SupportTicket.created_at.desc())
    return list(session.scalars(stmt.limit(limit)))


def status_counts(session: Session) -> dict[str, int]:
    """How many tickets are pending, open and resolved."""
    rows = session.execute(select(SupportTicket.status, func.count()).group_by(SupportTicket.status)).all()
    counts = {status.value: 0 for status in TicketStatus}
    counts.update({str(status): int(n) for status, n in rows})
    return counts
