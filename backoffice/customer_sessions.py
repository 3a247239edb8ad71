"""Shop-page sign-ins that live on the server: opened at sign-in, checked on every request, ended at sign-out."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backoffice.models import CustomerSession

LIFETIME = timedelta(days=7)
MAX_TOKEN_CHARS = 200


@dataclass(frozen=True)
class SignedIn:
    """The customer behind a live sign-in."""

    customer_id: int
    name: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, customer_id: int, *, now: datetime) -> str:
    """Start a sign-in for ``customer_id`` and return the token for the cookie (expired sign-ins are swept)."""
    token = secrets.token_urlsafe(32)
    session.execute(delete(CustomerSession).where(CustomerSession.expires_at < now))
    session.add(CustomerSession(token_hash=_hash(token), customer_id=customer_id, created_at=now,
                                expires_at=now + LIFETIME))
    session.flush()
    return token


def signed_in(session: Session, token: str | None, *, now: datetime) -> SignedIn | None:
    """The customer of a live, unexpired sign-in, or None."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    found = session.scalars(select(CustomerSession).where(CustomerSession.token_hash == _hash(token))).first()
    if found is None or found.expires_at <= now:
        return None
    customer = found.customer
    return SignedIn(customer_id=customer.id, name=str(customer.name or customer.email))


def close_session(session: Session, token: str | None) -> None:
    """End the sign-in for this token (nothing happens when there is none)."""
    if token and len(token) <= MAX_TOKEN_CHARS:
        session.execute(delete(CustomerSession).where(CustomerSession.token_hash == _hash(token)))
