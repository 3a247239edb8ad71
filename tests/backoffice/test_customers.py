"""Customer look-ups."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from backoffice.customers import find_customer_by_email, get_customer
from tests.factories import Store, build_store


@pytest.fixture
def store(session: Session) -> Store:
    return build_store(session)


@pytest.mark.parametrize("email", ["alice@example.com", "ALICE@Example.COM", "  alice@example.com\n"])
def test_find_customer_by_email_ignores_case_and_spaces(session: Session, store: Store, email: str) -> None:
    found = find_customer_by_email(session, email)
    assert found is not None and (found.id, found.name) == (101, "Alice Archer")


@pytest.mark.parametrize("email", ["", "   ", "carol@example.com", "alice@example"])
def test_blank_or_unknown_email_finds_nobody(session: Session, store: Store, email: str) -> None:
    assert find_customer_by_email(session, email) is None


def test_get_customer_by_id(session: Session, store: Store) -> None:
    bob = get_customer(session, 202)
    assert bob is not None and bob.email == "bob@example.com"
    assert get_customer(session, 999) is None
