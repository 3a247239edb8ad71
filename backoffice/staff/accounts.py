"""Staff accounts and console log-ins (``python -m backoffice.staff create …``).

Passwords are hashed with Argon2; a log-in is a random token whose SHA-256 is stored, so a leaked database
does not leak live sessions. There are no default accounts: staff are created with the command line.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from backoffice.models import StaffMember, StaffRole, StaffSession

SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_CHARS = 12
_hasher = PasswordHasher()
# Verifying against a real hash when the user is unknown keeps the answer time the same (no user enumeration).
_DUMMY_HASH = _hasher.hash("not-a-real-password-used-for-timing-only")


class StaffError(ValueError):
    """A staff account could not be created or changed; the message says why."""


@dataclass(frozen=True)
class LoggedIn:
    """A fresh console log-in: the cookie token (shown once) and the CSRF token."""

    token: str
    csrf_token: str
    staff: StaffMember


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise StaffError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")


def create_staff(
    session: Session, *, username: str, display_name: str, role: str, password: str, now: datetime
) -> StaffMember:
    """Add a staff member; the username is case-insensitive and unique."""
    username = username.strip().lower()
    if not username or len(username) > 64 or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise StaffError("the username may only use letters, digits, '.', '-' and '_' (at most 64)")
    if role not in {r.value for r in StaffRole}:
        raise StaffError(f"the role must be one of: {', '.join(r.value for r in StaffRole)}")
    _check_password(password)
    if session.scalars(select(StaffMember).where(StaffMember.username == username)).first() is not None:
        raise StaffError(f"there is already a staff member called {username!r}")
    member = StaffMember(username=username, display_name=display_name.strip()[:80] or username, role=role,
                         password_hash=_hasher.hash(password), active=True, created_at=now)
    session.add(member)
    session.flush()
    return member


def set_password(session: Session, *, username: str, password: str) -> StaffMember:
    """Give a staff member a new password and end their log-ins."""
    member = session.scalars(select(StaffMember).where(StaffMember.username == username.strip().lower())).first()
    if member is None:
        raise StaffError(f"there is no staff member called {username!r}")
    _check_password(password)
    member.password_hash = _hasher.hash(password)
    session.execute(delete(StaffSession).where(StaffSession.staff_id == member.id))
    session.flush()
    return member


def set_active(session: Session, *, username: str, active: bool) -> StaffMember:
    """Enable or disable an account; disabling also ends its log-ins."""
    member = session.scalars(select(StaffMember).where(StaffMember.username == username.strip().lower())).first()
    if member is None:
        raise StaffError(f"there is no staff member called {username!r}")
    member.active = active
    if not active:
        session.execute(delete(StaffSession).where(StaffSession.staff_id == member.id))
    session.flush()
    return member


def list_staff(session: Session, *, active_only: bool = True) -> list[StaffMember]:
    """Staff members by display name."""
    query = select(StaffMember).order_by(func.lower(StaffMember.display_name))
    if active_only:
        query = query.where(StaffMember.active.is_(True))
    return list(session.scalars(query))


def log_in(session: Session, *, username: str, password: str, now: datetime) -> LoggedIn | None:
    """Check the password and open a log-in; None for a wrong name, wrong password or disabled account."""
    member = session.scalars(select(StaffMember).where(StaffMember.username == username.strip().lower())).first()
    try:
        _hasher.verify(member.password_hash if member else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if member is None or not member.active:
        return None
    if _hasher.check_needs_rehash(member.password_hash):
        member.password_hash = _hasher.hash(password)
    member.last_login_at = now
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.execute(delete(StaffSession).where(StaffSession.expires_at < now))
    session.add(StaffSession(token_hash=_token_hash(token), staff_id=member.id, csrf_token=csrf, created_at=now,
                             expires_at=now + SESSION_LIFETIME))
    session.flush()
    return LoggedIn(token=token, csrf_token=csrf, staff=member)


def current_session(session: Session, token: str | None, *, now: datetime) -> StaffSession | None:
    """The live log-in for a cookie token (not expired, account active), or None."""
    if not token or len(token) > 200:
        return None
    found = session.scalars(select(StaffSession).where(StaffSession.token_hash == _token_hash(token))).first()
    if found is None or found.expires_at <= now or not found.staff.active:
        return None
    return found


def log_out(session: Session, token: str | None) -> None:
    """End the log-in for this cookie token (no error when there is none)."""
    if token:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == _token_hash(token)))
