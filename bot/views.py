"""JSON views of stored objects, in the shapes ``bot/API.md`` documents (built inside a DB session)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backoffice.models import ConversationMessage, StaffMember, SupportTicket, TicketNote

_DATA_KEYS = ("buttons", "used", "image", "cards")


def iso(value: datetime | None) -> str | None:
    """Naive UTC datetime as ISO 8601 with ``Z``."""
    return value.isoformat(timespec="seconds") + "Z" if value is not None else None


def message_view(message: ConversationMessage) -> dict[str, Any]:
    """A conversation line."""
    view: dict[str, Any] = {"id": message.id, "at": iso(message.at), "sender": message.sender, "text": message.text}
    for key in _DATA_KEYS:
        if message.data and message.data.get(key) is not None:
            view[key] = message.data[key]
    if "buttons" in view:
        view["used"] = view.get("used")
    if message.sender == "agent" and message.staff is not None:
        view["agent_name"] = message.staff.display_name
    return view


def staff_view(staff: StaffMember) -> dict[str, Any]:
    """A staff member as other staff see them (never the password hash)."""
    return {"id": staff.id, "username": staff.username, "display_name": staff.display_name, "role": staff.role}


def note_view(note: TicketNote) -> dict[str, Any]:
    """A private note."""
    return {"id": note.id, "at": iso(note.at), "author": note.author.display_name, "text": note.text}


def ticket_view(ticket: SupportTicket, last_message: ConversationMessage | None = None) -> dict[str, Any]:
    """A ticket as the console queue shows it."""
    customer = ticket.customer
    return {
        "id": ticket.id, "status": ticket.status, "reason": ticket.reason, "priority": ticket.priority,
        "created_at": iso(ticket.created_at), "claimed_at": iso(ticket.claimed_at),
        "resolved_at": iso(ticket.resolved_at),
        "assignee": staff_view(ticket.assignee) if ticket.assignee else None,
        "customer": {"id": customer.id, "name": customer.name, "email": customer.email} if customer else None,
        "order_number": ticket.order.number if ticket.order else None,
        "summary": ticket.summary, "rating": ticket.rating, "conversation_id": ticket.conversation_id,
        "last_message": message_view(last_message) if last_message else None,
    }
