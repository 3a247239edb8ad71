"""The web front's access to the store database: blocking SQLAlchemy work run in worker threads."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from backoffice.db import make_engine, session_factory, session_scope

T = TypeVar("T")


class Database:
    """Opens the engine on first use; ``await db.run(fn)`` calls ``fn(session)`` in one committed transaction."""

    def __init__(self, database_url: str) -> None:
        self._url = database_url
        self._factory: sessionmaker[Session] | None = None
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    def _sessions(self) -> sessionmaker[Session]:
        with self._lock:
            if self._factory is None:
                engine = make_engine(self._url)
                self._engine, self._factory = engine, session_factory(engine)
            return self._factory

    def call(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a transaction, in this thread."""
        with session_scope(self._sessions()) as session:
            return work(session)

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a transaction, in a worker thread."""
        return await run_in_threadpool(self.call, work)

    def close(self) -> None:
        """Release the connection pool, if one was opened."""
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
            self._engine = self._factory = None
