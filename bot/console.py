"""The support console's API: log-in, the hand-off queue, tickets, notes, and the staff assistant chat."""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from backoffice.conversations import history
from backoffice.customer_panel import customer_panel
from backoffice.identity import Identity
from backoffice.models import StaffMember, SupportTicket, TicketStatus
from backoffice.staff import list_staff, log_in, log_out
from backoffice.tickets import TicketError, add_note, list_tickets, status_counts
from bot.chat import utc_now
from bot.client import client_of
from bot.hub import CONSOLE, conversation_channel
from bot.relay import RasaUnavailable
from bot.responses import MAX_ID
from bot.runtime import Runtime, runtime_of
from bot.staff_auth import (
    LOGIN_NEEDED,
    STAFF_COOKIE,
    StaffContext,
    check_csrf,
    check_origin,
    lookup,
)
from bot.text import clean_text, storable
from bot.views import message_view, note_view, staff_view, ticket_view

logger = logging.getLogger(__name__)

STATIC = "bot/static/console/console.html"
MAX_TEXT_CHARS = 4000
LOGIN_FAILED = "That user name and password don't match. Please try again."
LOGIN_SLOW_DOWN = "Too many log-in attempts. Please wait a minute and try again."
LOGIN_BUSY = "The console is busy checking other log-ins. Please try again in a few seconds."
SESSION_RECHECK_SECONDS = 15.0
NOT_FOUND = "There is no such conversation."
EMPTY = "Please type a message first."
TOO_LONG = "That message is too long. Please keep it under 4,000 characters."
ASSISTANT_DOWN = "Sorry, I can't reach the assistant right now. Please try again in a minute."
ASSISTANT_SLOW = "This is taking a little longer than usual. The answer will appear here as soon as it's ready."


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    username: str
    password: str


class TextIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    staff_id: int = Field(ge=1, le=MAX_ID)


class AssistantIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    message: str
    button_of: int | None = Field(None, ge=1, le=MAX_ID)


async def staff_required(request: Request) -> StaffContext:
    """The logged-in staff member, or 401."""
    context = await run_in_threadpool(lookup, runtime_of(request).db, request.cookies.get(STAFF_COOKIE))
    if context is None:
        raise HTTPException(401, LOGIN_NEEDED)
    return context


async def staff_posting(request: Request, context: Annotated[StaffContext, Depends(staff_required)]) -> StaffContext:
    """A logged-in staff member changing something: same origin and a valid CSRF token, or 403."""
    check_origin(request)
    check_csrf(request, context)
    return context


Staff = Annotated[StaffContext, Depends(staff_required)]
TicketId = Annotated[int, Path(ge=1, le=MAX_ID)]
Posting = Annotated[StaffContext, Depends(staff_posting)]


def _text(value: str) -> str:
    text = clean_text(value)
    if not text:
        raise HTTPException(422, EMPTY)
    if len(text) > MAX_TEXT_CHARS:
        raise HTTPException(413, TOO_LONG)
    return text


def _first_name(name: str | None) -> str:
    return (name or "").split(" ")[0] or "there"


def build_router(static_dir: str) -> APIRouter:
    """The console routes; ``static_dir`` holds ``console/console.html``."""
    router = APIRouter()

    @router.get("/console", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(f"{static_dir}/console/console.html", headers={"cache-control": "no-cache"})

    @router.post("/api/console/login")
    async def login(body: LoginIn, request: Request, response: Response) -> dict[str, Any]:
        check_origin(request)
        runtime = runtime_of(request)
        # Keyed on the address alone: random user names must not buy unlimited Argon2 work.
        if not runtime.login_limit.allow(f"console|{client_of(request)}"):
            raise HTTPException(429, LOGIN_SLOW_DOWN)
        too_long = len(body.username) > 64 or len(body.password) > 1024
        if too_long or not (storable(body.username) and storable(body.password)):
            raise HTTPException(401, LOGIN_FAILED)  # no account has such a name or password
        if runtime.password_checks.locked():  # every slot is hashing: answer now rather than queue up work
            raise HTTPException(429, LOGIN_BUSY)

        def attempt(session: Session) -> tuple[str, str, dict[str, Any]] | None:
            done = log_in(session, username=body.username, password=body.password, now=utc_now())
            if done is None:
                return None
            return done.token, done.csrf_token, staff_view(done.staff)

        async with runtime.password_checks:
            result = await runtime.db.run(attempt)
        if result is None:
            raise HTTPException(401, LOGIN_FAILED)
        token, csrf, staff = result
        response.set_cookie(STAFF_COOKIE, token, httponly=True, samesite="strict", path="/",
                            secure=runtime.settings.env != "development", max_age=12 * 3600)
        return {"staff": staff, "csrf_token": csrf}

    @router.post("/api/console/logout")
    async def logout(request: Request, response: Response,
                     context: Posting) -> dict[str, bool]:
        token = request.cookies.get(STAFF_COOKIE)
        await runtime_of(request).db.run(lambda session: log_out(session, token))
        response.delete_cookie(STAFF_COOKIE, path="/")
        return {"ok": True}

    @router.get("/api/console/me")
    async def me(context: Staff) -> dict[str, Any]:
        return {"staff": context.view, "csrf_token": context.csrf_token}

    @router.get("/api/console/staff")
    async def staff(request: Request, context: Staff) -> dict[str, Any]:
        members = await runtime_of(request).db.run(lambda s: [staff_view(m) for m in list_staff(s)])
        return {"staff": members}

    @router.get("/api/console/tickets")
    async def tickets(request: Request, context: Staff, status: str = Query("pending"),
                      q: str = Query("", max_length=200)) -> dict[str, Any]:
        wanted = None if status == "all" else status
        if wanted is not None and wanted not in {s.value for s in TicketStatus}:
            raise HTTPException(422, "status must be pending, open, resolved or all")

        search = clean_text(q)  # typed by an agent: a NUL would make PostgreSQL refuse the query (a 500)

        def read(session: Session) -> dict[str, Any]:
            found = list_tickets(session, status=wanted, query=search)
            views = []
            for ticket in found:
                last = history(session, ticket.conversation_id, limit=1)
                views.append(ticket_view(ticket, last[0] if last else None))
            return {"tickets": views, "counts": status_counts(session)}
        return await runtime_of(request).db.run(read)

    @router.get("/api/console/tickets/{ticket_id}")
    async def ticket(ticket_id: TicketId, request: Request,
                     context: Staff) -> dict[str, Any]:
        runtime = runtime_of(request)

        def read(session: Session) -> dict[str, Any] | None:
            found = session.get(SupportTicket, ticket_id)
            if found is None:
                return None
            lines = history(session, found.conversation_id)
            transcript = [message_view(m) for m in lines] or [
                {"id": -m.id, "at": m.at.isoformat() + "Z", "sender": m.sender, "text": m.text}
                for m in found.messages]
            customer = customer_panel(session, found.customer_id) if found.customer_id else None
            name = customer["profile"]["name"] if customer else None
            canned = runtime.kb.canned(customer_first_name=_first_name(name),
                                       order_number=found.order.number if found.order else "",
                                       agent_name=context.display_name)
            return {"ticket": ticket_view(found, lines[-1] if lines else None), "transcript": transcript,
                    "notes": [note_view(n) for n in found.notes], "customer": customer,
                    "canned": [c.model_dump() for c in canned]}
        detail = await runtime.db.run(read)
        if detail is None:
            raise HTTPException(404, NOT_FOUND)
        return detail

    async def _ticket_action(request: Request, work: Any) -> Any:
        try:
            return await work
        except LookupError as exc:
            raise HTTPException(404, NOT_FOUND) from exc
        except TicketError as exc:
            raise HTTPException(409, str(exc)[:1].upper() + str(exc)[1:] + ".") from exc

    @router.post("/api/console/tickets/{ticket_id}/claim")
    async def claim(ticket_id: TicketId, request: Request,
                    context: Posting) -> dict[str, Any]:
        result: dict[str, Any] = await _ticket_action(
            request, runtime_of(request).chat.claim(context.staff_id, ticket_id))
        return result

    @router.post("/api/console/tickets/{ticket_id}/assign")
    async def assign(ticket_id: TicketId, body: AssignIn, request: Request,
                     context: Posting) -> dict[str, Any]:
        result: dict[str, Any] = await _ticket_action(
            request, runtime_of(request).chat.claim(context.staff_id, ticket_id, assignee_id=body.staff_id))
        return result

    @router.post("/api/console/tickets/{ticket_id}/reply")
    async def reply(ticket_id: TicketId, body: TextIn, request: Request,
                    context: Posting) -> dict[str, Any]:
        result: dict[str, Any] = await _ticket_action(
            request, runtime_of(request).chat.agent_says(context.staff_id, ticket_id, _text(body.text)))
        return result

    @router.post("/api/console/tickets/{ticket_id}/resolve")
    async def resolve(ticket_id: TicketId, request: Request,
                      context: Posting) -> dict[str, Any]:
        result: dict[str, Any] = await _ticket_action(
            request, runtime_of(request).chat.resolve(context.staff_id, ticket_id))
        return result

    @router.post("/api/console/tickets/{ticket_id}/notes")
    async def note(ticket_id: TicketId, body: TextIn, request: Request,
                   context: Posting) -> dict[str, Any]:
        text = _text(body.text)
        runtime = runtime_of(request)

        def store(session: Session) -> dict[str, Any] | None:
            found, staff = session.get(SupportTicket, ticket_id), session.get(StaffMember, context.staff_id)
            if found is None or staff is None:
                return None
            return note_view(add_note(session, found, staff, text, now=utc_now()))
        view = await runtime.db.run(store)
        if view is None:
            raise HTTPException(404, NOT_FOUND)
        runtime.hub.publish(CONSOLE, {"type": "note", "ticket_id": ticket_id, "note": view})
        return view

    @router.post("/api/console/assistant", response_model=None)
    async def assistant(body: AssistantIn, request: Request,
                        context: Posting) -> dict[str, Any] | JSONResponse:
        text = _text(body.message)
        runtime = runtime_of(request)
        identity = Identity(f"staff-{context.staff_id}", None, context.role, client=client_of(request))
        try:
            turn = await runtime.chat.says(identity, text, button_of=body.button_of, staff_id=context.staff_id)
        except RasaUnavailable:
            return JSONResponse({"detail": ASSISTANT_DOWN, "messages": [{"text": ASSISTANT_DOWN}], "error": True},
                                status_code=503)
        if turn.pending:  # the answer is pushed over the console socket when it is ready
            return {"sent": turn.sent, "messages": [{"text": ASSISTANT_SLOW}], "pending": True}
        return {"sent": turn.sent, "messages": turn.replies}

    @router.get("/api/console/assistant/history")
    async def assistant_history(request: Request,
                                context: Staff) -> dict[str, Any]:
        found = await runtime_of(request).chat.history(f"staff-{context.staff_id}")
        return {"messages": found["messages"]}

    @router.websocket("/ws/console")
    async def live(websocket: WebSocket) -> None:
        runtime = runtime_of(websocket)
        try:
            check_origin(websocket)
        except HTTPException:
            await websocket.close(code=4403)
            return
        context = await run_in_threadpool(lookup, runtime.db, websocket.cookies.get(STAFF_COOKIE))
        if context is None:
            await websocket.close(code=4401)
            return
        await websocket.accept()
        await _pump(websocket, runtime, context, websocket.cookies.get(STAFF_COOKIE))

    return router


async def _pump(websocket: WebSocket, runtime: Runtime, context: StaffContext, token: str | None) -> None:
    """Forward console events to this socket; forward the agent's typing to the shopper.

    The log-in is checked again every ``SESSION_RECHECK_SECONDS``: a logged-out or disabled agent's socket closes.
    """
    own = conversation_channel(f"staff-{context.staff_id}")  # this staff member's assistant chat
    with runtime.hub.subscribe(CONSOLE) as queue, runtime.hub.subscribe(own) as mine:
        async def forward_own() -> None:
            while True:
                event = await mine.get()
                if event.get("type") == "message":
                    await queue.put({"type": "assistant_message", "message": event["message"]})

        async def forward() -> None:
            checked = asyncio.get_running_loop().time()
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), timeout=SESSION_RECHECK_SECONDS)
                except TimeoutError:
                    event = None
                if asyncio.get_running_loop().time() - checked >= SESSION_RECHECK_SECONDS:
                    if await run_in_threadpool(lookup, runtime.db, token) is None:
                        await websocket.close(code=4401)
                        return
                    checked = asyncio.get_running_loop().time()
                if event is not None:
                    await websocket.send_json(event)

        sender, relay_own = asyncio.create_task(forward()), asyncio.create_task(forward_own())
        try:
            while True:
                event = await websocket.receive_json()
                if not isinstance(event, dict) or event.get("type") != "typing":
                    continue
                ticket_id, typing = event.get("ticket_id"), bool(event.get("on"))
                if isinstance(ticket_id, int):
                    conversation_id = await runtime.db.run(functools.partial(_conversation_of, ticket_id=ticket_id))
                    if conversation_id is not None:
                        runtime.hub.publish(conversation_channel(conversation_id),
                                            {"type": "typing", "sender": "agent", "on": typing})
        except (WebSocketDisconnect, ValueError, RuntimeError):
            pass
        finally:
            sender.cancel()
            relay_own.cancel()


def _conversation_of(session: Session, *, ticket_id: int) -> str | None:
    found = session.get(SupportTicket, ticket_id)
    return found.conversation_id if found is not None else None
