"""The browser session: a signed, HttpOnly cookie holding the conversation id and a sign-in token.

The cookie is written by Starlette's ``SessionMiddleware`` (itsdangerous signature). Its key is derived from
``settings.secret_key`` so the cookie signature and the Rasa metadata HMAC never share a raw key. The cookie
does not say who the customer is: it holds the token of a server-side sign-in (``backoffice.customer_sessions``),
so signing out ends it for every copy of the cookie.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request

from backoffice.install_secret import derive

COOKIE_NAME = "shopdesk_session"
COOKIE_MAX_AGE = 7 * 24 * 3600
SENDER_KEY = "sender_id"
_SIGN_IN = "sign_in"


def cookie_key(secret_key: str) -> str:
    """Derive the key that signs the session cookie, derived from (and distinct from) the shared HMAC secret."""
    return derive(secret_key, "session-cookie")


def _session(request: Request) -> dict[str, Any]:
    return request.session


def sender_id(request: Request) -> str:
    """Return this browser's conversation id: made on first use, then stable for as long as the cookie lives."""
    session = _session(request)
    value = session.get(SENDER_KEY)
    if not isinstance(value, str) or not value:
        value = uuid.uuid4().hex
        session[SENDER_KEY] = value
    return value


def has_conversation(request: Request) -> bool:
    """Whether this browser already has a conversation id (a message without one starts a new conversation)."""
    value = _session(request).get(SENDER_KEY)
    return isinstance(value, str) and bool(value)


def new_conversation(request: Request) -> str:
    """Start a fresh conversation id (used when the identity changes so no tracker spans two people)."""
    value = uuid.uuid4().hex
    _session(request)[SENDER_KEY] = value
    return value


def sign_in_token(request: Request) -> str | None:
    """The token of this browser's sign-in, if it has one (whether it is still live is the server's to say)."""
    token = _session(request).get(_SIGN_IN)
    return token if isinstance(token, str) and token else None


def sign_in(request: Request, token: str) -> None:
    """Remember the sign-in token in the cookie and start a new conversation for the customer."""
    _session(request)[_SIGN_IN] = token
    new_conversation(request)


def sign_out(request: Request) -> None:
    """Forget the sign-in and the conversation (the next message starts an anonymous one)."""
    _session(request).clear()
