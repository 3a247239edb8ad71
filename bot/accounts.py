"""Read-only customer lookup for the demo sign-in, backed by the back office database."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Account:
    """The part of a customer the web front needs."""

    customer_id: int
    name: str


class AccountLookup(Protocol):
    """Finds a customer by e-mail; blocking (the app calls it from a worker thread)."""

    def __call__(self, email: str) -> Account | None: ...


class DatabaseAccounts:
    """Looks customers up with ``backoffice.customers.find_customer_by_email``; connects on first use."""

    def __init__(self, database_url: str) -> None:
        self._database_url = database_url
        self._engine: Any = None
        self._sessionmaker: Any = None
        self._lock = threading.Lock()

    def _factory(self) -> Any:
        with self._lock:
            if self._sessionmaker is None:
                from backoffice.db import make_engine, session_factory

                self._engine = make_engine(self._database_url)
                self._sessionmaker = session_factory(self._engine)
            return self._sessionmaker

    def close(self) -> None:
        """Release the connection pool, if one was opened."""
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
            self._engine = self._sessionmaker = None

    def __call__(self, email: str) -> Account | None:
        from backoffice.customers import find_customer_by_email

        with self._factory()() as session:
            found = find_customer_by_email(session, email)
            if found is None:
                return None
            return Account(customer_id=int(found.id), name=str(found.name or found.email))
