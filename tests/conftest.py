"""Shared fixtures: a migrated store database on SQLite, and on PostgreSQL when a server URL is given.

Set ``SHOPDESK_TEST_POSTGRES_URL`` (``.ci/run`` does) to run every database test against PostgreSQL too;
without it those variants are skipped with a message that says so.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from backoffice.db import make_engine, session_factory
from backoffice.migrate import upgrade

POSTGRES_ENV = "SHOPDESK_TEST_POSTGRES_URL"


def _postgres_engine() -> Iterator[Engine]:
    """A fresh PostgreSQL schema of its own, dropped afterwards."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"PostgreSQL variant skipped: set {POSTGRES_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1/test)")
    schema = f"t_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options=-csearch_path%3D{schema}"
    upgrade(url)
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty store database (SQLite file, or a private PostgreSQL schema)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        upgrade(url)
        eng = make_engine(url)
        yield eng
        eng.dispose()
    else:
        yield from _postgres_engine()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    """A sessionmaker bound to the test database."""
    return session_factory(engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One session on the test database."""
    with sessions() as s:
        yield s
