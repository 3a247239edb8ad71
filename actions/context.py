"""Who is talking and which order they may see, read from the tracker."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.deps import Deps
from actions.slots import text_slot
from backoffice.attempts import locked_out, lookup_keys
from backoffice.customers import get_customer
from backoffice.identity import Identity, verify
from backoffice.models import Customer

log = logging.getLogger(__name__)


def identity_of(tracker: Tracker, deps: Deps) -> Identity:
    """The verified identity of the latest message (anonymous shopper unless the web front signed that message).

    Only the latest message's own metadata counts: it is signed over its text, so an identity can't be carried
    over from an earlier message or from the session start.
    """
    metadata: dict[str, Any] = tracker.latest_message.get("metadata") or {}
    text = tracker.latest_message.get("text")
    return verify(tracker.sender_id, metadata, deps.secret, text=text if isinstance(text, str) else "")


def signed_in_customer(tracker: Tracker, deps: Deps) -> Customer | None:
    """The signed-in shopper's customer row (detached), or None when anonymous or the look-up fails."""
    who = identity_of(tracker, deps)
    if who.customer_id is None:
        return None
    try:
        with deps.session() as session:
            return get_customer(session, who.customer_id)
    except SQLAlchemyError:
        log.exception("customer look-up failed")
        return None


def order_scope(tracker: Tracker, deps: Deps) -> dict[str, Any]:
    """Keyword arguments for ``backoffice.orders.find_order`` that prove ownership in this conversation."""
    who = identity_of(tracker, deps)
    if who.customer_id is not None:
        return {"customer_id": who.customer_id}
    return {"email": text_slot(tracker, "order_email")}


def lookup_locked(session: Session, tracker: Tracker, deps: Deps, number: str | None) -> bool:
    """Whether an anonymous shopper's look-up of ``number`` is locked out now (a signed-in one never is).

    For look-ups outside the order form, which then behave as if the order were not found; the order form
    counts the failures.
    """
    who = identity_of(tracker, deps)
    if who.customer_id is not None:
        return False
    keys = lookup_keys(client=who.client, email=text_slot(tracker, "order_email"), number=number)
    return locked_out(session, keys, now=deps.clock())


OPERATOR_ROLES = ("operator", "admin")


def is_operator(tracker: Tracker, deps: Deps) -> bool:
    """Whether the latest message carries a verified operator (or admin) identity; the text can't claim one."""
    return identity_of(tracker, deps).role in OPERATOR_ROLES


def latest_intent(tracker: Tracker) -> str:
    """The intent of the latest user message ("" when there is none)."""
    intent = tracker.latest_message.get("intent") or {}
    return str(intent.get("name") or "")
