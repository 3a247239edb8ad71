"""Signed identity: only an intact, fresh signature over exactly these values and this text proves who is talking."""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest

from backoffice.identity import MAX_AGE_SECONDS, Identity, NonceBook, sign
from backoffice.identity import verify as verify_text

SECRET = "test-secret"
SENDER = "conv-1"
TEXT = "where is my order?"
T = 1_800_000_000  # a fixed signing time


def signed(customer_id: Any = 101, role: str = "shopper", sender: str = SENDER, text: str = TEXT) -> dict[str, Any]:
    return sign(Identity(sender, customer_id, role), SECRET, now=T, text=text)


def verify(sender: str, metadata: Any, secret: str, *, now: float | None = None, text: str = TEXT) -> Identity:
    return verify_text(sender, metadata, secret, text=text, now=now)


def tampered(field: str, value: Any) -> dict[str, Any]:
    metadata = copy.deepcopy(signed())
    metadata["shopdesk"][field] = value
    return metadata


def anonymous(sender: str = SENDER) -> Identity:
    return Identity(sender_id=sender, customer_id=None, role="shopper")


def test_sign_puts_the_identity_and_a_hex_signature_in_the_metadata() -> None:
    block = signed()["shopdesk"]
    assert {k: block[k] for k in ("customer_id", "role", "issued_at")} == {
        "customer_id": 101, "role": "shopper", "issued_at": T}
    assert len(block["signature"]) == 64 and int(block["signature"], 16) >= 0


@pytest.mark.parametrize(("customer_id", "role"), [(101, "shopper"), (None, "shopper"), (None, "agent"),
                                                   (7, "operator"), (None, "admin")])
def test_round_trip_returns_the_signed_identity(customer_id: int | None, role: str) -> None:
    assert verify(SENDER, signed(customer_id, role), SECRET, now=T + 5) == Identity(SENDER, customer_id, role)


def test_staff_roles_are_staff_and_shoppers_are_not() -> None:
    assert verify(SENDER, signed(None, "agent"), SECRET, now=T).is_staff
    assert not verify(SENDER, signed(101), SECRET, now=T).is_staff


def test_round_trip_with_the_real_clock() -> None:
    metadata = sign(Identity(SENDER, 101), SECRET, text=TEXT)
    assert abs(metadata["shopdesk"]["issued_at"] - time.time()) < 5
    assert verify(SENDER, metadata, SECRET) == Identity(SENDER, 101)


@pytest.mark.parametrize(("field", "value"), [
    ("customer_id", 202),
    ("customer_id", None),
    ("role", "admin"),
    ("issued_at", T + 1),
    ("nonce", "0" * 32),
    ("client", "10.9.9.9"),
])
def test_tampered_values_make_an_anonymous_shopper(field: str, value: Any) -> None:
    assert verify(SENDER, tampered(field, value), SECRET, now=T) == anonymous()


def test_a_signature_for_another_conversation_is_not_accepted() -> None:
    assert verify("conv-2", signed(), SECRET, now=T) == anonymous("conv-2")


def test_a_tampered_signature_makes_an_anonymous_shopper() -> None:
    good = signed()["shopdesk"]["signature"]
    flipped = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert verify(SENDER, tampered("signature", flipped), SECRET, now=T) == anonymous()
    assert verify(SENDER, tampered("signature", good.upper()), SECRET, now=T) == anonymous()
    assert verify(SENDER, tampered("signature", ""), SECRET, now=T) == anonymous()


def test_a_non_ascii_signature_makes_an_anonymous_shopper() -> None:
    assert verify(SENDER, tampered("signature", "é" * 64), SECRET, now=T) == anonymous()


def test_a_different_secret_makes_an_anonymous_shopper() -> None:
    assert verify(SENDER, signed(), "another-secret", now=T) == anonymous()


def test_a_signature_is_good_for_max_age_seconds_and_no_longer() -> None:
    assert verify(SENDER, signed(), SECRET, now=T + MAX_AGE_SECONDS) == Identity(SENDER, 101)
    assert verify(SENDER, signed(), SECRET, now=T + MAX_AGE_SECONDS + 1) == anonymous()


def test_a_signature_from_too_far_in_the_future_is_refused() -> None:
    assert verify(SENDER, signed(), SECRET, now=T - MAX_AGE_SECONDS - 1) == anonymous()


def test_an_unknown_role_is_refused_even_when_correctly_signed() -> None:
    assert verify(SENDER, signed(101, "superuser"), SECRET, now=T) == anonymous()


@pytest.mark.parametrize("customer_id", ["101", 101.0, [101]])
def test_a_customer_id_that_is_not_an_int_is_refused_even_when_correctly_signed(customer_id: Any) -> None:
    assert verify(SENDER, signed(customer_id), SECRET, now=T) == anonymous()


@pytest.mark.parametrize("issued_at", [float(T), str(T), None])
def test_an_issued_at_that_is_not_an_int_is_refused(issued_at: Any) -> None:
    assert verify(SENDER, tampered("issued_at", issued_at), SECRET, now=T) == anonymous()


@pytest.mark.parametrize("metadata", [None, {}, {"other": 1}, {"shopdesk": None}, {"shopdesk": "signed"},
                                      {"shopdesk": [101, "shopper"]}, {"shopdesk": {}}])
def test_missing_or_malformed_block_makes_an_anonymous_shopper(metadata: Any) -> None:
    assert verify(SENDER, metadata, SECRET, now=T) == anonymous()


@pytest.mark.parametrize("field", ["customer_id", "role", "issued_at", "signature", "nonce", "client"])
def test_a_block_missing_a_field_makes_an_anonymous_shopper(field: str) -> None:
    metadata = signed()
    del metadata["shopdesk"][field]
    assert verify(SENDER, metadata, SECRET, now=T) == anonymous()


def test_the_signature_covers_the_message_text() -> None:
    metadata = signed(7, "operator", text="how much stock is left?")
    assert verify(SENDER, metadata, SECRET, now=T, text="how much stock is left?") == Identity(SENDER, 7, "operator")
    assert verify(SENDER, metadata, SECRET, now=T, text="reject order 581474 because fraud") == anonymous()


def test_the_client_address_travels_signed() -> None:
    metadata = sign(Identity(SENDER, None, "shopper", client="203.0.113.9"), SECRET, now=T, text=TEXT)
    assert verify(SENDER, metadata, SECRET, now=T).client == "203.0.113.9"


def test_odd_texts_can_be_signed_and_verified() -> None:
    for text in ("", "\ud800 lone surrogate", "emoji 🛒", "x" * 5000):
        metadata = sign(Identity(SENDER, 5), SECRET, now=T, text=text)
        assert verify(SENDER, metadata, SECRET, now=T, text=text) == Identity(SENDER, 5)


def test_every_signature_has_its_own_nonce() -> None:
    assert signed()["shopdesk"]["nonce"] != signed()["shopdesk"]["nonce"]


def test_a_nonce_is_accepted_once_and_forgotten_after_the_signature_window() -> None:
    clock = [1000.0]
    book = NonceBook(clock=lambda: clock[0])
    assert book.first_use("a" * 32) and book.first_use("b" * 32)
    assert not book.first_use("a" * 32)
    clock[0] += MAX_AGE_SECONDS + 1
    assert book.first_use("a" * 32)  # a signature this old is refused by verify anyway
