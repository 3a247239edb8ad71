"""One-time codes for anonymous changes: random, hashed, bound, expiring, few tries, single use, few per hour."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.config import Settings
from backoffice.models import Order, VerificationCode
from backoffice.verification import (
    CodeRules,
    CodeStatus,
    TooManyCodes,
    check_code,
    code_email,
    code_hash,
    issue_code,
    parse_code,
)
from tests.factories import NOW, build_store

SECRET = "test-secret"
RULES = CodeRules(ttl=timedelta(minutes=10), max_attempts=3, per_order_per_hour=4)
CANCEL = "cancel:600002"


@pytest.fixture
def order(session: Session) -> Order:
    store = build_store(session)
    session.commit()
    return store.orders["paid"]


def issue(session: Session, order: Order, change: str = CANCEL, conversation: str = "conv-1", *, at=NOW) -> str:
    return issue_code(session, order=order, conversation_id=conversation, change=change, secret=SECRET, now=at,
                      rules=RULES)


def check(session: Session, order: Order, code: str | None, change: str = CANCEL, conversation: str = "conv-1",
          *, at=NOW):
    return check_code(session, order=order, conversation_id=conversation, change=change, code=code, secret=SECRET,
                      now=at, rules=RULES)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_code_is_six_digits_and_only_its_hmac_is_stored(session: Session, order: Order) -> None:
    code = issue(session, order)
    assert len(code) == 6 and code.isdigit()
    [row] = session.scalars(select(VerificationCode)).all()
    assert code not in (row.code_hash, row.purpose, row.conversation_id)
    assert row.code_hash == code_hash(SECRET, conversation_id="conv-1", order_number="600002", change=CANCEL,
                                      code=code)
    assert (row.purpose, row.expires_at, row.used_at) == ("cancel", NOW + timedelta(minutes=10), None)


def test_codes_are_random(session: Session, order: Order) -> None:
    codes = {issue(session, order, conversation=f"c{i}") for i in range(4)}
    assert len(codes) > 1


def test_the_right_code_works_once(session: Session, order: Order) -> None:
    code = issue(session, order)
    assert check(session, order, code).status is CodeStatus.OK
    assert check(session, order, code).status is CodeStatus.SPENT


def test_typed_with_a_space_or_in_a_sentence_it_still_works(session: Session, order: Order) -> None:
    code = issue(session, order)
    assert check(session, order, f"my code is {code[:3]} {code[3:]}").ok


def test_wrong_codes_cost_tries_and_the_last_one_kills_the_code(session: Session, order: Order) -> None:
    code = issue(session, order)
    assert (check(session, order, wrong(code)).status, check(session, order, wrong(code)).attempts_left) == (
        CodeStatus.WRONG, 1)
    assert check(session, order, "not a code").status is CodeStatus.SPENT  # third wrong try: dead
    assert check(session, order, code).status is CodeStatus.SPENT  # even the right one now


def test_an_expired_code_does_not_work(session: Session, order: Order) -> None:
    code = issue(session, order)
    assert check(session, order, code, at=NOW + timedelta(minutes=10)).status is CodeStatus.SPENT
    assert check(session, order, code, at=NOW + timedelta(minutes=9, seconds=59)).ok


def test_a_code_is_bound_to_the_conversation_and_the_change(session: Session, order: Order) -> None:
    address = "change_address:600002:22 Baker Street, London NW1 6XE"
    code = issue(session, order, address)
    assert check(session, order, code, conversation="conv-2").status is CodeStatus.SPENT  # none sent there
    assert check(session, order, code, "change_address:600002:1 Evil Road, London E1 1AA").status is CodeStatus.WRONG
    assert check(session, order, code, address).ok


def test_a_new_code_retires_the_older_one(session: Session, order: Order) -> None:
    first = issue(session, order)
    second = issue(session, order, at=NOW + timedelta(minutes=1))
    later = NOW + timedelta(minutes=2)
    if first != second:
        assert check(session, order, first, at=later).status is CodeStatus.WRONG
    assert check(session, order, second, at=later).ok


def test_an_order_gets_only_so_many_codes_an_hour(session: Session, order: Order) -> None:
    for i in range(4):
        issue(session, order, conversation=f"c{i}", at=NOW + timedelta(minutes=i))
    with pytest.raises(TooManyCodes):
        issue(session, order, conversation="c9", at=NOW + timedelta(minutes=30))
    issue(session, order, conversation="c9", at=NOW + timedelta(minutes=61))  # the first has aged out


def test_parse_code() -> None:
    assert parse_code("483920") == "483920"
    assert parse_code("it's 483-920") == "483920"
    assert parse_code("12345") is None and parse_code("1234567") is None and parse_code(None) is None


def test_the_email_carries_the_code_to_the_orders_address(order: Order) -> None:
    message = code_email(order=order, change=CANCEL, code="123456", rules=RULES, shop_name="Demo Shop",
                         sender="Demo Shop <shop@example.com>")
    assert message["To"] == "alice@example.com"
    assert "123456" in message["Subject"] and "600002" in message["Subject"]
    body = message.get_content()
    assert "123456" in body and "cancel the order" in body and "10 minutes" in body


def test_rules_come_from_the_settings() -> None:
    rules = CodeRules.from_settings(Settings(code_ttl_minutes=3, code_max_attempts=2, codes_per_order_per_hour=9))
    assert rules == CodeRules(ttl=timedelta(minutes=3), max_attempts=2, per_order_per_hour=9)
    defaults = CodeRules.from_settings(Settings())
    assert (defaults.ttl, defaults.max_attempts) == (timedelta(minutes=10), 5)
