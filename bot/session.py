"""The browser session: a signed, HttpOnly cookie holding the conversation id and the signed-in customer.

The cookie is written by Starlette's ``SessionMiddleware`` (itsdangerous signature). Its key is derived from
``settings.secret_key`` so the cookie signature and the Rasa metadata HMAC never share a raw key.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from starlette.requests import Request

COOKIE_NAME = "shopdesk_session"
COOKIE_MAX_AGE = 7 * 24 * 3600
SENDER_KEY = "sender_id"
_CUSTOMER_ID = "customer_id"
_CUSTOMER_NAME = "customer_name"


def cookie_key(secret_key: str) -> str:
    """Derive the key that signs the session cookie, derived from (and distinct from) the shared HMAC secret."""
    return hashlib.sha256(b"shopdesk-session-cookie:" + secret_key.encode()).hexdigest()


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


def new_conversation(request: Request) -> str:
    """Start a fresh conversation id (used when the identity changes so no tracker spans two people)."""
    value = uuid.uuid4().hex
    _session(request)[SENDER_KEY] = value
    return value


def customer(request: Request) -> tuple[int | None, str | None]:
    """``(customer_id, name)`` of the signed-in customer, or ``(None, None)`` for an anonymous shopper."""
    session = _session(request)
    customer_id = session.get(_CUSTOMER_ID)
    name = session.get(_CUSTOMER_NAME)
    if not isinstance(customer_id, int) or isinstance(customer_id, bool):
        return None, None
    return customer_id, name if isinstance(name, str) else None


def sign_in(request: Request, customer_id: int, name: str) -> None:
    """Remember the customer in the cookie and start a new conversation for them."""
    session = _session(request)
    session[_CUSTOMER_ID] = customer_id
    session[_CUSTOMER_NAME] = name
    new_conversation(request)


def sign_out(request: Request) -> None:
    """Forget the customer and the conversation (the next message starts an anonymous one)."""
    _session(request).clear()
