"""Console log-in state: the ``shopdesk_staff`` cookie, CSRF checks and same-origin checks."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from fastapi import HTTPException, Request, WebSocket
from sqlalchemy.orm import Session

from backoffice.staff import current_session
from bot.chat import utc_now
from bot.database import Database
from bot.views import staff_view

STAFF_COOKIE = "shopdesk_staff"
CSRF_HEADER = "x-csrf-token"
LOGIN_NEEDED = "Please log in to the console."
CSRF_FAILED = "Your console session is out of date. Please reload the page."
FOREIGN_ORIGIN = "This request came from another site and was refused."


@dataclass(frozen=True)
class StaffContext:
    """The logged-in staff member behind a request."""

    staff_id: int
    role: str
    display_name: str
    csrf_token: str
    view: dict[str, Any]


def lookup(db: Database, token: str | None) -> StaffContext | None:
    """The live log-in for a cookie token (blocking; call from a worker thread or ``db.run``)."""
    def read(session: Session) -> StaffContext | None:
        found = current_session(session, token, now=utc_now())
        if found is None:
            return None
        staff = found.staff
        return StaffContext(staff.id, staff.role, staff.display_name, found.csrf_token, staff_view(staff))
    return db.call(read)


def same_origin(origin: str | None, host: str | None) -> bool:
    """True when the browser's Origin header names this server (absent Origin: not a browser, allowed)."""
    if not origin:
        return True
    return bool(host) and urlsplit(origin).netloc == host


def check_origin(request: Request | WebSocket) -> None:
    """Refuse state changes and sockets opened from another site's pages."""
    if not same_origin(request.headers.get("origin"), request.headers.get("host")):
        raise HTTPException(403, FOREIGN_ORIGIN)


def check_csrf(request: Request, context: StaffContext) -> None:
    """Every console POST carries the CSRF token the console got at log-in."""
    sent = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(sent.encode(), context.csrf_token.encode()):
        raise HTTPException(403, CSRF_FAILED)
