"""Failed-attempt limits for anonymous order look-ups (an order number proved with the order's e-mail).

Order numbers are sequential, so whoever knows a shopper's e-mail could try numbers until one answers. Every
failed look-up is counted against three keys: the client's network address (when known), the e-mail and the
order number. A key with too many failures within the window is locked out for a while, and while any key of a
look-up is locked the look-up fails without touching the orders, exactly like a wrong number or e-mail.

The counters live in the database (``lookup_failures``), so they hold across conversations and processes.
Functions take a ``Session`` keyword-only; the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from backoffice.config import Settings
from backoffice.models import LookupFailures, Order
from backoffice.orders import find_order, normalise_number


class KeyKind(StrEnum):
    """What a counter counts failures for."""

    CLIENT = "client"
    EMAIL = "email"
    ORDER = "order"


@dataclass(frozen=True)
class LookupLimits:
    """How many failed look-ups each kind of key may have within ``window`` before ``lockout``."""

    per_client: int
    per_email: int
    per_order: int
    window: timedelta
    lockout: timedelta

    def __post_init__(self) -> None:
        if min(self.per_client, self.per_email, self.per_order) < 1:
            raise ValueError("every look-up limit must allow at least one failure")
        if self.window <= timedelta(0) or self.lockout <= timedelta(0):
            raise ValueError("the window and the lock-out must be longer than zero")

    @classmethod
    def from_settings(cls, settings: Settings) -> LookupLimits:
        """The limits configured by ``SHOPDESK_LOOKUP_*``."""
        return cls(per_client=settings.lookup_failures_per_client, per_email=settings.lookup_failures_per_email,
                   per_order=settings.lookup_failures_per_order,
                   window=timedelta(minutes=settings.lookup_window_minutes),
                   lockout=timedelta(minutes=settings.lookup_lockout_minutes))

    def limit(self, kind: KeyKind) -> int:
        """The failures allowed for keys of ``kind``."""
        return {KeyKind.CLIENT: self.per_client, KeyKind.EMAIL: self.per_email, KeyKind.ORDER: self.per_order}[kind]


Key = tuple[KeyKind, str]


def lookup_keys(*, client: str | None, email: str | None, number: str | None) -> list[Key]:
    """The keys one look-up is counted against; an unknown client (None) is simply not counted."""
    keys: list[Key] = []
    if client:
        keys.append((KeyKind.CLIENT, client.strip()[:254]))
    if email and email.strip():
        keys.append((KeyKind.EMAIL, email.strip().lower()[:254]))
    clean = normalise_number(number)
    if clean is not None:
        keys.append((KeyKind.ORDER, clean))
    return keys


def _row(session: Session, key: Key) -> LookupFailures | None:
    kind, value = key
    return session.scalars(
        select(LookupFailures).where(LookupFailures.kind == kind.value, LookupFailures.key == value).with_for_update()
    ).first()


def locked_out(session: Session, keys: list[Key], *, now: datetime) -> bool:
    """Whether any of ``keys`` is locked out at ``now``."""
    for key in keys:
        row = _row(session, key)
        if row is not None and row.locked_until is not None and row.locked_until > now:
            return True
    return False


def record_failure(session: Session, keys: list[Key], *, now: datetime, limits: LookupLimits) -> bool:
    """Count one failed look-up against each key; True when that locked any of them out."""
    locked = False
    for key in keys:
        row = _counter(session, key, now)
        if now - row.window_start >= limits.window:  # the window has passed: start counting again
            row.failures, row.window_start = 0, now
        row.failures += 1
        if row.failures >= limits.limit(key[0]):
            row.locked_until = now + limits.lockout
            locked = True
    session.flush()
    return locked


def record_success(session: Session, keys: list[Key]) -> None:
    """Forget the failures of the e-mail and order keys of a look-up that proved the order.

    The client key is not reset: a client could otherwise clear its own count with one order it knows.
    """
    for kind, value in keys:
        if kind is KeyKind.CLIENT:
            continue
        session.execute(update(LookupFailures).where(LookupFailures.kind == kind.value, LookupFailures.key == value)
                        .values(failures=0, locked_until=None))


def _counter(session: Session, key: Key, now: datetime) -> LookupFailures:
    """The counter row of ``key``, made if missing (``ON CONFLICT DO NOTHING``, so two processes can't clash)."""
    kind, value = key
    values = {"kind": kind.value, "key": value, "failures": 0, "window_start": now}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(postgresql_insert(LookupFailures).values(**values)
                        .on_conflict_do_nothing(index_elements=["kind", "key"]))
    elif dialect == "sqlite":
        session.execute(sqlite_insert(LookupFailures).values(**values)
                        .on_conflict_do_nothing(index_elements=["kind", "key"]))
    elif _row(session, key) is None:
        session.add(LookupFailures(**values))
        session.flush()
    row = _row(session, key)
    if row is None:  # cannot happen: it was inserted just now or already there
        raise RuntimeError(f"no lookup_failures row for {kind.value} after inserting it")
    return row


def lookup_order(session: Session, number: str | None, email: str | None, *, client: str | None,
                 limits: LookupLimits, now: datetime) -> Order | None:
    """The order ``number`` if ``email`` is the order's e-mail, counted against the failed-attempt limits.

    None when the number is unknown, the e-mail does not match, or a key is locked out: the caller cannot tell
    which, and neither can the shopper. A lock-out is decided before the orders are looked at.
    """
    keys = lookup_keys(client=client, email=email, number=number)
    if locked_out(session, keys, now=now):
        return None
    order = find_order(session, number, email=email)
    if order is None:
        record_failure(session, keys, now=now, limits=limits)
        return None
    record_success(session, keys)
    return order
