"""One conversation turn: store the line, hand it to the assistant or to the person handling it, push it live.

The web front owns the conversation log (so the widget restores history and staff read everything), decides
whether the assistant or a person answers (a pending or open ticket means a person), and pushes every new line
to the conversation's other tabs and, during a hand-off, to the console.
"""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from backoffice.conversations import history, mark_button_used, offered_title, record
from backoffice.identity import Identity, sign
from backoffice.knowledge import KnowledgeBase
from backoffice.models import Conversation, ConversationMessage, StaffMember, SupportTicket, TicketStatus
from backoffice.tickets import TicketError, active_ticket, assign, claim, hand_on, queue_spot, resolve
from bot.database import Database
from bot.hub import CONSOLE, Hub, conversation_channel
from bot.relay import RasaRelay
from bot.views import message_view, ticket_view

logger = logging.getLogger(__name__)

RESOLVED_PAYLOAD = "/support_resolved"
LATE_FAILURE_TEXT = "Sorry, I couldn't finish that. Please try again in a moment."
MAX_CARDS = 10
_URL = re.compile(r"https?://[^\s\"'<>]+\Z")
_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+\Z")  # charts drawn by actions


def utc_now() -> datetime:
    """Now, as the naive UTC the database stores."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Turn:
    """What one message produced: the stored line and the assistant's stored answers (none during a hand-off)."""

    sent: dict[str, Any]
    replies: list[dict[str, Any]]
    conversation: dict[str, Any]
    handed_off: bool = False  # this message made the assistant hand the conversation to a person
    with_person: bool = False  # a person already had the conversation, so the assistant stayed quiet
    pending: bool = False  # the assistant is slower than usual: its answer is pushed when it arrives


def _clean_cards(raw: Any) -> list[dict[str, str]]:
    cards: list[dict[str, str]] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("title"), str):
            continue
        card = {key: str(item[key])[:300] for key in ("title", "subtitle", "price") if item.get(key) is not None}
        for key in ("image", "url"):
            if isinstance(item.get(key), str) and _URL.match(item[key]):
                card[key] = item[key]
        cards.append(card)
    return cards[:MAX_CARDS]


def split_reply(raw: dict[str, Any]) -> tuple[str | None, dict[str, Any], dict[str, Any] | None]:
    """A Rasa message as (text, stored data, Shopdesk event for the web front or None)."""
    custom: dict[str, Any] = raw["custom"] if isinstance(raw.get("custom"), dict) else {}
    event = custom["shopdesk_event"] if isinstance(custom.get("shopdesk_event"), dict) else None
    data: dict[str, Any] = {}
    if raw.get("buttons"):
        data["buttons"], data["used"] = raw["buttons"], None
    if isinstance(raw.get("image"), str) and (_URL.match(raw["image"]) or _DATA_IMAGE.match(raw["image"])):
        data["image"] = raw["image"]
    cards = _clean_cards(custom.get("cards"))
    if cards:
        data["cards"] = cards
    text = raw.get("text") if isinstance(raw.get("text"), str) else None
    return text, data, event


class ChatService:
    """Turns for shoppers, staff using the assistant, and agents answering hand-offs."""

    def __init__(self, *, db: Database, relay: RasaRelay, hub: Hub, kb: KnowledgeBase, secret: str,
                 clock: Callable[[], datetime] = utc_now, reply_wait: float = 10.0) -> None:
        self.db, self.relay, self.hub, self.kb, self.secret, self.clock = db, relay, hub, kb, secret, clock
        self.reply_wait = reply_wait  # how long a turn waits for the assistant before answering "still working"
        self._late: set[asyncio.Task[None]] = set()
        # One turn at a time per conversation: lines stay in order, and a message sent while the previous one
        # was handing off sees the hand-off (instead of reaching the assistant too).
        self._turns: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    # -- reading ---------------------------------------------------------------------------------------------
    def conversation_state(self, session: Session, conversation_id: str) -> dict[str, Any]:
        """Who answers the conversation now, and where it waits in the queue during a hand-off."""
        ticket = active_ticket(session, conversation_id)
        now = self.clock()
        state: dict[str, Any] = {
            "id": conversation_id, "mode": "human" if ticket else "bot", "ticket_id": ticket.id if ticket else None,
            "queue_position": None, "wait_minutes": None, "staffed": self.kb.support.is_staffed(now),
            "agent_name": ticket.assignee.display_name if ticket and ticket.assignee else None,
        }
        if ticket is not None:
            spot = queue_spot(session, ticket, default_minutes=self.kb.support.minutes_per_conversation)
            if spot is not None:
                state["queue_position"], state["wait_minutes"] = spot.position, spot.wait_minutes
        return state

    async def history(self, conversation_id: str, *, after: int = 0) -> dict[str, Any]:
        """The stored lines after ``after`` and the conversation's state."""
        def read(session: Session) -> dict[str, Any]:
            return {"conversation": self.conversation_state(session, conversation_id),
                    "messages": [message_view(m) for m in history(session, conversation_id, after=after)]}
        return await self.db.run(read)

    # -- a shopper's or a staff member's message ---------------------------------------------------------------
    async def says(self, identity: Identity, text: str, *, button_of: int | None = None,
                   staff_id: int | None = None) -> Turn:
        """Store the message; during a hand-off pass it to the agent, otherwise get the assistant's answer."""
        lock = self._turns.get(identity.sender_id)
        if lock is None:
            lock = self._turns[identity.sender_id] = asyncio.Lock()
        async with lock:
            return await self._says(identity, text, button_of=button_of, staff_id=staff_id)

    async def _says(self, identity: Identity, text: str, *, button_of: int | None,
                    staff_id: int | None) -> Turn:
        conversation_id = identity.sender_id

        def store(session: Session) -> tuple[dict[str, Any], dict[str, Any] | None, str, dict[str, Any] | None,
                                             dict[str, Any]]:
            now = self.clock()
            payload, shown = text, text
            picked = self._picked_button(session, conversation_id, text, button_of)
            if picked is not None:
                shown, payload = picked[0], picked[1]
            used = session.get(ConversationMessage, picked[2]) if picked is not None else None
            message = record(session, conversation_id, sender="customer", text=shown, now=now,
                             customer_id=identity.customer_id)
            if staff_id is not None:
                session.get(Conversation, conversation_id).staff_id = staff_id  # type: ignore[union-attr]
            ticket = active_ticket(session, conversation_id)
            return (message_view(message), message_view(used) if used is not None else None, payload,
                    ticket_view(ticket) if ticket else None, self.conversation_state(session, conversation_id))

        sent, used, payload, ticket, state = await self.db.run(store)
        channel = conversation_channel(conversation_id)
        if used is not None:  # other tabs disable that button row too
            self.hub.publish(channel, {"type": "message", "message": used})
        self.hub.publish(channel, {"type": "message", "message": sent})
        if ticket is not None:
            self.hub.publish(CONSOLE, {"type": "message", "ticket_id": ticket["id"], "message": sent})
            return Turn(sent=sent, replies=[], conversation=state, with_person=True)
        replies, state = await self.assistant_turn(identity, payload)
        if replies is None:
            return Turn(sent=sent, replies=[], conversation=state, pending=True)
        return Turn(sent=sent, replies=replies, conversation=state, handed_off=state["mode"] == "human")

    def _picked_button(self, session: Session, conversation_id: str, text: str,
                       button_of: int | None) -> tuple[str, str, int] | None:
        """(title, payload, message id) of the button this message picks, clicked or typed by its title.

        Only a button the assistant offered in this conversation, and not yet used, counts.
        """
        if button_of is not None:
            title = mark_button_used(session, conversation_id, button_of, text) or offered_title(
                session, conversation_id, button_of, text)  # picked again (another tab): still show its title
            return (title, text, button_of) if title is not None else None
        recent = history(session, conversation_id, limit=1)
        if recent and recent[0].sender == "bot" and recent[0].data and not recent[0].data.get("used"):
            for button in recent[0].data.get("buttons") or []:
                if str(button.get("title", "")).strip().lower() == text.strip().lower():
                    payload = str(button["payload"])
                    title = mark_button_used(session, conversation_id, recent[0].id, payload)
                    return (title, payload, recent[0].id) if title is not None else None
        return None

    async def assistant_turn(self, identity: Identity,
                             payload: str) -> tuple[list[dict[str, Any]] | None, dict[str, Any]]:
        """Send ``payload`` to the assistant with the signed identity; store and push its answers.

        Returns the stored answers and the conversation's state afterwards (mode human after a hand-off). When
        the assistant takes longer than ``reply_wait`` the answers are None: they are stored and pushed live when
        they arrive (the relay keeps waiting), instead of telling the shopper the turn failed.
        """
        channel = conversation_channel(identity.sender_id)
        self.hub.publish(channel, {"type": "typing", "sender": "bot", "on": True})
        sending = asyncio.ensure_future(
            self.relay.send(identity.sender_id, payload, sign(identity, self.secret, text=payload)))
        done, _ = await asyncio.wait({sending}, timeout=self.reply_wait)
        if not done:
            late = asyncio.ensure_future(self._late_answer(identity, sending))
            self._late.add(late)
            late.add_done_callback(self._late.discard)
            return None, await self.db.run(lambda s: self.conversation_state(s, identity.sender_id))
        self.hub.publish(channel, {"type": "typing", "sender": "bot", "on": False})
        return await self.deliver(identity.sender_id, sending.result(), customer_id=identity.customer_id)

    async def _late_answer(self, identity: Identity, sending: asyncio.Future[list[dict[str, Any]]]) -> None:
        try:
            raw = await sending
        except Exception:
            logger.exception("the assistant never answered conversation %s", identity.sender_id)
            raw = [{"text": LATE_FAILURE_TEXT}]
        finally:
            self.hub.publish(conversation_channel(identity.sender_id), {"type": "typing", "sender": "bot", "on": False})
        await self.deliver(identity.sender_id, raw, customer_id=identity.customer_id)

    async def deliver(self, conversation_id: str, raw: list[dict[str, Any]], *,
                      customer_id: int | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Store the assistant's answers in the conversation and push them live (and any ticket they touched)."""
        identity = Identity(conversation_id, customer_id)
        channel = conversation_channel(conversation_id)

        def store(session: Session) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
            now = self.clock()
            stored, events = [], []
            for item in raw:
                text, data, event = split_reply(item)
                if event is not None:
                    events.append(event)
                if text or data:
                    stored.append(message_view(record(session, identity.sender_id, sender="bot", text=text,
                                                      data=data, now=now, customer_id=identity.customer_id)))
            ids = [e["ticket_id"] for e in events if isinstance(e.get("ticket_id"), int)]
            touched = [session.get(SupportTicket, ticket_id) for ticket_id in ids]
            tickets = [ticket_view(t, self._last_line(session, t)) for t in touched if t is not None]
            return stored, tickets, self.conversation_state(session, identity.sender_id)

        replies, tickets, state = await self.db.run(store)
        for reply in replies:
            self.hub.publish(channel, {"type": "message", "message": reply})
        for ticket in tickets:
            self.hub.publish(CONSOLE, {"type": "ticket", "ticket": ticket})
        if tickets:
            self.hub.publish(channel, {"type": "conversation", "conversation": state})
        return replies, state

    @staticmethod
    def _last_line(session: Session, ticket: SupportTicket) -> ConversationMessage | None:
        lines = history(session, ticket.conversation_id, limit=1)
        return lines[0] if lines else None

    # -- staff handling a hand-off ------------------------------------------------------------------------------
    async def agent_says(self, staff_id: int, ticket_id: int, text: str) -> dict[str, Any]:
        """An agent's reply: stored, pushed to the shopper and every console; a waiting ticket is claimed."""
        def store(session: Session) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
            staff, ticket = self._staff_and_ticket(session, staff_id, ticket_id)
            if ticket.status == TicketStatus.RESOLVED:
                raise TicketError("this conversation is already resolved")
            if ticket.status == TicketStatus.PENDING:
                assign(session, ticket, staff, now=self.clock())
            message = record(session, ticket.conversation_id, sender="agent", text=text, now=self.clock(),
                             staff_id=staff.id)
            message.staff = staff
            view = message_view(message)
            return view, ticket_view(ticket, message), self.conversation_state(session, ticket.conversation_id)

        message, ticket, state = await self.db.run(store)
        self._push_ticket(ticket, state, message)
        return message

    async def resolve(self, staff_id: int, ticket_id: int) -> dict[str, Any]:
        """Close the hand-off: tell the shopper, then let the assistant take over and ask for a rating."""
        def store(session: Session) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], Identity]:
            staff, ticket = self._staff_and_ticket(session, staff_id, ticket_id)
            resolve(session, ticket, now=self.clock())
            line = record(session, ticket.conversation_id, sender="system", now=self.clock(),
                          text=f"{staff.display_name} has closed this conversation. The assistant is back to help.")
            conversation = session.get(Conversation, ticket.conversation_id)
            identity = Identity(ticket.conversation_id, conversation.customer_id if conversation else None)
            return (message_view(line), ticket_view(ticket, line),
                    self.conversation_state(session, ticket.conversation_id), identity)

        message, ticket, state, identity = await self.db.run(store)
        self._push_ticket(ticket, state, message)
        try:
            await self.assistant_turn(identity, RESOLVED_PAYLOAD)
        except Exception:  # the ticket is resolved either way; the rating question is a courtesy
            logger.exception("the assistant could not take conversation %s back", identity.sender_id)
        return ticket

    async def claim(self, staff_id: int, ticket_id: int, *, assignee_id: int | None = None) -> dict[str, Any]:
        """Claim a ticket for oneself, or assign it to ``assignee_id``."""
        def store(session: Session) -> tuple[dict[str, Any], dict[str, Any]]:
            staff, ticket = self._staff_and_ticket(session, staff_id, ticket_id)
            if assignee_id is None:
                claim(session, ticket, staff, now=self.clock())
            else:
                other = session.get(StaffMember, assignee_id)
                if other is None:
                    raise TicketError("there is no such staff member")
                hand_on(session, ticket, staff, other, now=self.clock())
            return ticket_view(ticket, self._last_line(session, ticket)), self.conversation_state(
                session, ticket.conversation_id)

        ticket, state = await self.db.run(store)
        self._push_ticket(ticket, state, None)
        return ticket

    def _push_ticket(self, ticket: dict[str, Any], state: dict[str, Any], message: dict[str, Any] | None) -> None:
        channel = conversation_channel(ticket["conversation_id"])
        if message is not None:
            self.hub.publish(channel, {"type": "message", "message": message})
            self.hub.publish(CONSOLE, {"type": "message", "ticket_id": ticket["id"], "message": message})
        self.hub.publish(channel, {"type": "conversation", "conversation": state})
        self.hub.publish(CONSOLE, {"type": "ticket", "ticket": ticket})

    @staticmethod
    def _staff_and_ticket(session: Session, staff_id: int, ticket_id: int) -> tuple[StaffMember, SupportTicket]:
        staff, ticket = session.get(StaffMember, staff_id), session.get(SupportTicket, ticket_id)
        if staff is None or ticket is None:
            raise LookupError("no such ticket")
        return staff, ticket
