"""The web front: demo shop page, demo sign-in and the chat relay to Rasa.

The browser only ever sends message text. Who is talking (the conversation id and the signed-in customer)
comes from the signed session cookie, and the web front signs that identity into the Rasa message metadata.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from backoffice.config import Settings, get_settings
from backoffice.customer_sessions import SignedIn, close_session, open_session, signed_in
from backoffice.identity import Identity
from backoffice.knowledge import load_knowledge_base
from bot import console, fraud_review, internal, outbox, session, widget
from bot.accounts import Account, AccountLookup, DatabaseAccounts
from bot.chat import ChatService, utc_now
from bot.client import TOO_MANY_CONVERSATIONS_TEXT, client_of
from bot.database import Database
from bot.hub import Hub
from bot.middleware import BodyLimitMiddleware, SecurityHeadersMiddleware
from bot.ratelimit import RateLimiter
from bot.relay import RasaRelay, RasaUnavailable
from bot.responses import MAX_ID, polite, slow_down
from bot.runtime import Runtime
from bot.text import clean_text, storable

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_MESSAGE_CHARS = 2000
# 2,000 characters JSON-escaped as surrogate pairs is 24,000 bytes; anything far beyond that is not a chat message.
MAX_BODY_BYTES = 64 * 1024
MAX_EMAIL_CHARS = 320

EMPTY_TEXT = "Please type a message first."
TOO_LONG_TEXT = "That message is too long. Please keep it under 2,000 characters."
UNAVAILABLE_TEXT = "Sorry, I can't reach the assistant right now. Please try again in a minute."
NO_REPLY_TEXT = "Sorry, something went wrong on our side and I couldn't answer that. Please try again in a moment."
BAD_REQUEST_TEXT = "Sorry, I couldn't read that. Please try again."
UNKNOWN_EMAIL_TEXT = "We couldn't find a customer with that e-mail address. Please check it and try again."
LOGIN_OFF_TEXT = "Demo sign-in is turned off."
STILL_WORKING_TEXT = "This is taking a little longer than usual. The answer will appear here as soon as it's ready."

LOGIN_FAILED_TEXT = "Sorry, sign-in isn't working right now. Please try again in a minute."


class ChatIn(BaseModel):
    """A chat message from the page. Any other field (``sender``, ``metadata``...) is ignored."""

    model_config = ConfigDict(extra="ignore")
    message: str
    button_of: int | None = Field(None, ge=1, le=MAX_ID)


class LoginIn(BaseModel):
    """Demo sign-in: a seeded customer's e-mail."""

    model_config = ConfigDict(extra="ignore")
    email: str


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def signed_in_customer(request: Request) -> SignedIn | None:
    """The customer of this browser's live sign-in (a revoked or expired one counts as signed out)."""
    token = session.sign_in_token(request)
    if token is None:
        return None
    return await _runtime(request).db.run(lambda s: signed_in(s, token, now=utc_now()))


def _session_view(who: SignedIn | None, settings: Settings) -> dict[str, Any]:
    return {"signed_in": who is not None, "name": who.name if who else None, "demo_login": settings.demo_mode}




def create_app(
    settings: Settings | None = None,
    *,
    rasa_transport: httpx.AsyncBaseTransport | None = None,
    accounts: AccountLookup | None = None,
    rasa_timeout: float = 10.0,
) -> FastAPI:
    """Build the web front. ``rasa_transport`` and ``accounts`` let tests stand in for Rasa and the database."""
    settings = settings or get_settings()
    development = settings.env == "development"

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The relay keeps waiting well past the turn's own wait: a slow answer is stored and pushed when it comes.
        relay = RasaRelay(settings.rasa_url, token=settings.internal_token, timeout=max(60.0, 6 * rasa_timeout),
                          transport=rasa_transport)
        lookup = accounts if accounts is not None else DatabaseAccounts(settings.database_url)
        db, hub, kb = Database(settings.database_url), Hub(), load_knowledge_base(settings.policy_file)
        app.state.runtime = Runtime(
            settings=settings, relay=relay, accounts=lookup, db=db, hub=hub, kb=kb,
            chat=ChatService(db=db, relay=relay, hub=hub, kb=kb, secret=settings.secret_key, reply_wait=rasa_timeout),
            chat_limit=RateLimiter(burst=settings.chat_burst, per_minute=settings.chat_per_minute),
            login_limit=RateLimiter(burst=5, per_minute=settings.client_logins_per_minute),
            client_chat_limit=RateLimiter(burst=max(1, int(settings.client_chat_per_minute / 4)),
                                          per_minute=settings.client_chat_per_minute),
            conversation_limit=RateLimiter(burst=10, per_minute=settings.client_new_conversations_per_hour / 60),
        )
        try:
            yield
        finally:
            await relay.aclose()
            db.close()
            if isinstance(lookup, DatabaseAccounts):
                lookup.close()

    app = FastAPI(
        title="Shopdesk web front",
        lifespan=lifespan,
        docs_url=None,  # the strict CSP would block Swagger UI's assets; /openapi.json is there in development
        redoc_url=None,
        openapi_url="/openapi.json" if development else None,
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=session.cookie_key(settings.secret_key),
        session_cookie=session.COOKIE_NAME,
        max_age=session.COOKIE_MAX_AGE,
        # Embedded on a shop's own domain the widget's iframe is cross-site: its cookie then needs SameSite=None
        # (and Secure, which browsers require for it). On the demo page (same site) Lax is stricter.
        same_site="none" if _cross_site(settings) else "lax",
        https_only=not development or _cross_site(settings),
    )
    app.add_middleware(BodyLimitMiddleware, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(SecurityHeadersMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(widget.build_router(str(STATIC_DIR)))
    app.include_router(console.build_router(str(STATIC_DIR)))
    app.include_router(fraud_review.build_router())
    app.include_router(internal.build_router())
    app.include_router(outbox.build_router())

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return polite(422, EMPTY_TEXT if request.url.path == "/api/chat" and _missing(exc) else BAD_REQUEST_TEXT)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 413:
            return polite(413, exc.detail if request.url.path.startswith("/api/console") else TOO_LONG_TEXT)
        if exc.status_code >= 500:
            return polite(exc.status_code, UNAVAILABLE_TEXT)
        detail = exc.detail if isinstance(exc.detail, str) else BAD_REQUEST_TEXT
        return JSONResponse({"detail": detail, "error": True}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return polite(500, UNAVAILABLE_TEXT)

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers={"cache-control": "no-cache"})

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        if await _runtime(request).relay.ping():
            return JSONResponse({"status": "ok", "rasa": "ok"})
        return JSONResponse({"status": "unavailable", "rasa": "unreachable"}, status_code=503)

    @app.get("/api/session")
    async def get_session(request: Request) -> dict[str, Any]:
        return _session_view(await signed_in_customer(request), settings)

    @app.post("/api/session/login", response_model=None)
    async def login(body: LoginIn, request: Request) -> JSONResponse | dict[str, Any]:
        if not settings.demo_mode:
            return polite(403, LOGIN_OFF_TEXT)
        runtime = _runtime(request)
        if (refused := slow_down(runtime.login_limit, f"shop|{client_of(request)}")) is not None:
            return refused
        email = body.email.strip()
        if not email or len(email) > MAX_EMAIL_CHARS or "@" not in email or not storable(email):
            return polite(404, UNKNOWN_EMAIL_TEXT)  # no customer has it (and the database would refuse the query)
        try:
            account: Account | None = await run_in_threadpool(runtime.accounts, email)
            if account is None:
                return polite(404, UNKNOWN_EMAIL_TEXT)
            customer_id = account.customer_id
            token = await runtime.db.run(lambda s: open_session(s, customer_id, now=utc_now()))
        except Exception:
            logger.exception("demo sign-in failed")
            return polite(503, LOGIN_FAILED_TEXT)
        session.sign_in(request, token)
        return _session_view(SignedIn(account.customer_id, account.name), settings)

    @app.post("/api/session/logout", response_model=None)
    async def logout(request: Request) -> JSONResponse | dict[str, Any]:
        token = session.sign_in_token(request)
        try:
            await _runtime(request).db.run(lambda s: close_session(s, token))
        except Exception:
            logger.exception("sign-out failed")
            return polite(503, LOGIN_FAILED_TEXT)  # the cookie stays, so the shopper can try again
        session.sign_out(request)
        return _session_view(None, settings)

    @app.post("/api/chat", response_model=None)
    async def chat(body: ChatIn, request: Request) -> JSONResponse | dict[str, Any]:
        text = clean_text(body.message)
        if not text:
            return polite(422, EMPTY_TEXT)
        if len(text) > MAX_MESSAGE_CHARS:
            return polite(413, TOO_LONG_TEXT)
        runtime, client = _runtime(request), client_of(request)
        if not session.has_conversation(request) and (
                refused := slow_down(runtime.conversation_limit, client, TOO_MANY_CONVERSATIONS_TEXT)) is not None:
            return refused
        sender = session.sender_id(request)
        if (refused := slow_down(runtime.chat_limit, sender) or slow_down(runtime.client_chat_limit, client)):
            return refused
        who = await signed_in_customer(request)
        identity = Identity(sender, who.customer_id if who else None, "shopper", client=client)
        try:
            turn = await runtime.chat.says(identity, text, button_of=body.button_of)
        except RasaUnavailable as exc:
            logger.error("Rasa relay failed for sender %s: %s", sender, exc)
            return polite(503, UNAVAILABLE_TEXT)
        if turn.pending:
            return {"sent": turn.sent, "messages": [{"text": STILL_WORKING_TEXT}], "conversation": turn.conversation,
                    "pending": True}
        if not turn.replies and not turn.handed_off and not turn.with_person:
            # Rasa answers with nothing when an action failed (e.g. the action server is down).
            logger.error("Rasa sent no reply for sender %s; is the action server running?", sender)
            return {"sent": turn.sent, "messages": [{"text": NO_REPLY_TEXT}], "conversation": turn.conversation,
                    "error": True}
        return {"sent": turn.sent, "messages": turn.replies, "conversation": turn.conversation}

    return app


def _cross_site(settings: Settings) -> bool:
    """Whether shop pages on other sites embed the widget (``SHOPDESK_WIDGET_ORIGINS`` names one)."""
    return any(origin not in ("'self'",) for origin in settings.widget_origins.split())


def _missing(exc: RequestValidationError) -> bool:
    """Tell whether the ``message`` field is absent (the page treats it like an empty message)."""
    return any(error.get("type") == "missing" for error in exc.errors())
