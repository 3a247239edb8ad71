"""Fixtures for action tests: a real store database, the shop's knowledge base, a fixed clock, signed identities."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session, sessionmaker

from actions.deps import Deps, set_deps
from backoffice.attempts import LookupLimits
from backoffice.config import ROOT
from backoffice.identity import Identity, sign
from backoffice.knowledge import KnowledgeBase
from backoffice.mail import OutboxMailer
from backoffice.verification import CodeRules
from tests.factories import NOW, Store, build_store

SECRET = "test-secret"
SENDER = "conv-1"
LIMITS = LookupLimits(per_client=10, per_email=3, per_order=3, window=timedelta(minutes=15),
                      lockout=timedelta(minutes=30))
CODES = CodeRules(ttl=timedelta(minutes=10), max_attempts=3, per_order_per_hour=5)


@pytest.fixture
def store(sessions: sessionmaker[Session]) -> Store:
    with sessions() as session:
        return build_store(session)


@pytest.fixture
def outbox(tmp_path: Path) -> OutboxMailer:
    """Where the actions' mail goes in tests: .eml files in a temporary folder."""
    return OutboxMailer(tmp_path / "outbox")


@pytest.fixture
def deps(sessions: sessionmaker[Session], store: Store, outbox: OutboxMailer) -> Iterator[Deps]:
    d = Deps(sessions=sessions, kb=KnowledgeBase.load(ROOT / "backoffice" / "kb" / "policies.yml"), secret=SECRET,
             clock=lambda: NOW, limits=LIMITS, codes=CODES, mailer=outbox, mail_from="Shop <shop@example.com>",
             jobs=ThreadPoolExecutor(max_workers=1), quick_seconds=120.0)
    set_deps(d)
    yield d
    set_deps(None)


def after(action: str) -> list[dict[str, Any]]:
    """History whose last bot action was ``action`` (a yes or no answers the proposal of that turn only)."""
    return [{"event": "action", "name": action}]


def signed(customer_id: int | None, role: str = "shopper", sender: str = SENDER,
           client: str | None = "198.51.100.7") -> dict[str, Any]:
    """Metadata as the web front signs it now; ``tracker()`` signs it over its own text (``_as`` says for whom)."""
    identity = Identity(sender, customer_id, role, client=client)
    return {**sign(identity, SECRET, text=""), "_as": identity}


def tracker(
    *,
    intent: str = "inform",
    text: str = "",
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    new_slots: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
    sender: str = SENDER,
) -> Tracker:
    """A tracker whose latest message has this intent, entities and metadata.

    ``new_slots`` are slots the latest message just filled (what a form validates); ``slots`` were known before.
    """
    metadata = dict(metadata or {})
    who = metadata.pop("_as", None)
    if who is not None:  # the web front signs every message over its own text
        metadata.update(sign(who, SECRET, text=text))
    latest = {"intent": {"name": intent, "confidence": 0.99}, "entities": entities or [], "text": text,
              "metadata": metadata}
    turn = [{"event": "action", "name": "action_listen"},
            {"event": "user", "text": text, "parse_data": latest, "metadata": metadata}]
    turn += [{"event": "slot", "name": name, "value": value} for name, value in (new_slots or {}).items()]
    return Tracker(sender, {**(slots or {}), **(new_slots or {})}, latest, (events or []) + turn, False, None,
                   {"name": active_loop} if active_loop else {}, "action_listen")


def responses(dispatcher: CollectingDispatcher) -> list[str | None]:
    """The response names (or raw texts) the action uttered, in order."""
    return [m.get("response") or m.get("text") for m in dispatcher.messages]
