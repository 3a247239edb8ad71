"""Failed-attempt limits for anonymous order look-ups: per client, per e-mail and per order, with a lock-out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backoffice.attempts import KeyKind, LookupLimits, locked_out, lookup_keys, lookup_order, record_failure
from backoffice.config import Settings
from backoffice.models import LookupFailures
from tests.factories import NOW, build_store

LIMITS = LookupLimits(per_client=6, per_email=3, per_order=3, window=timedelta(minutes=15),
                      lockout=timedelta(minutes=30))


@pytest.fixture
def shop(session: Session) -> Session:
    build_store(session)
    session.commit()
    return session


def look(session: Session, number: str, email: str, client: str | None = "203.0.113.7", *, at=NOW):
    return lookup_order(session, number, email, client=client, limits=LIMITS, now=at)


def test_the_right_number_and_email_find_the_order(shop: Session) -> None:
    found = look(shop, "600004", "Alice@Example.com")
    assert found is not None and found.number == "600004"
    assert shop.scalars(select(LookupFailures)).all() == []


def test_guessing_numbers_with_a_known_email_is_locked_out_and_then_even_the_right_number_fails(shop: Session) -> None:
    for number in ("600101", "600102", "600103"):  # the per-e-mail limit is 3
        assert look(shop, number, "alice@example.com", client=f"198.51.100.{number[-1]}") is None
    # Locked: the right pair now answers exactly like a wrong one, from any client.
    assert look(shop, "600004", "alice@example.com", client="192.0.2.1") is None
    assert locked_out(shop, lookup_keys(client=None, email="ALICE@example.com", number=None), now=NOW)
    # Another shopper's e-mail is not affected by Alice's lock-out.
    assert look(shop, "700001", "bob@example.com", client="192.0.2.1") is not None


def test_guessing_emails_for_one_order_number_locks_that_number(shop: Session) -> None:
    for guess in ("a@example.com", "b@example.com", "c@example.com"):
        assert look(shop, "600004", guess, client=None) is None
    assert look(shop, "600004", "alice@example.com", client=None) is None
    assert look(shop, "600005", "alice@example.com", client=None) is not None  # only that number is locked


def test_one_client_trying_many_pairs_is_locked_out(shop: Session) -> None:
    for i in range(6):  # different e-mails and numbers each time: only the client key reaches its limit (6)
        assert look(shop, f"60020{i}", f"x{i}@example.com") is None
    assert look(shop, "600004", "alice@example.com") is None  # this client is locked, whatever it asks
    assert look(shop, "600004", "alice@example.com", client="192.0.2.99") is not None  # others are not


def test_an_unknown_client_is_not_counted_but_email_and_order_still_are(shop: Session) -> None:
    assert look(shop, "600101", "alice@example.com", client=None) is None
    kinds = {row.kind for row in shop.scalars(select(LookupFailures))}
    assert kinds == {KeyKind.EMAIL.value, KeyKind.ORDER.value}


def test_the_lock_out_ends_after_its_window(shop: Session) -> None:
    for number in ("600101", "600102", "600103"):
        look(shop, number, "alice@example.com", client=None)
    assert look(shop, "600004", "alice@example.com", client=None, at=NOW + timedelta(minutes=29)) is None
    assert look(shop, "600004", "alice@example.com", client=None, at=NOW + timedelta(minutes=31)) is not None


def test_failures_older_than_the_window_are_forgotten(shop: Session) -> None:
    look(shop, "600101", "alice@example.com", client=None)
    look(shop, "600102", "alice@example.com", client=None)
    later = NOW + timedelta(minutes=16)
    look(shop, "600103", "alice@example.com", client=None, at=later)  # counts as the first of a new window
    assert look(shop, "600004", "alice@example.com", client=None, at=later) is not None


def test_success_clears_the_email_and_order_counts_but_not_the_clients(shop: Session) -> None:
    look(shop, "600101", "alice@example.com")
    look(shop, "600102", "alice@example.com")
    assert look(shop, "600004", "alice@example.com") is not None
    rows = {(row.kind, row.key): row.failures for row in shop.scalars(select(LookupFailures))}
    # The wrong numbers keep their counts: proving 600004 says nothing about them.
    assert rows == {("client", "203.0.113.7"): 2, ("email", "alice@example.com"): 0, ("order", "600101"): 1,
                    ("order", "600102"): 1}


def test_counts_hold_across_sessions(sessions: sessionmaker[Session]) -> None:
    with sessions() as first:
        build_store(first)
        first.commit()
    for number in ("600101", "600102", "600103"):  # every attempt in its own session, as separate turns would
        with sessions() as s:
            look(s, number, "alice@example.com", client=None)
            s.commit()
    with sessions() as s:
        assert look(s, "600004", "alice@example.com", client=None) is None


def test_record_failure_says_when_it_locked(shop: Session) -> None:
    keys = lookup_keys(client=None, email="eve@example.com", number=None)
    assert [record_failure(shop, keys, now=NOW, limits=LIMITS) for _ in range(3)] == [False, False, True]


def test_limits_come_from_the_settings() -> None:
    settings = Settings(lookup_failures_per_email=2, lookup_window_minutes=5, lookup_lockout_minutes=60)
    limits = LookupLimits.from_settings(settings)
    assert (limits.per_email, limits.window, limits.lockout) == (2, timedelta(minutes=5), timedelta(hours=1))
    with pytest.raises(ValueError, match="at least one failure"):
        LookupLimits(per_client=0, per_email=1, per_order=1, window=timedelta(minutes=1), lockout=timedelta(1))
