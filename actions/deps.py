"""The actions' dependencies, built lazily in one place so tests can hand in their own."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from backoffice.attempts import LookupLimits
from backoffice.config import get_settings
from backoffice.db import get_sessionmaker, session_scope
from backoffice.delivery import Fleet, load_fleet
from backoffice.knowledge import KnowledgeBase, load_knowledge_base
from backoffice.mail import Mailer, mailer_from_settings
from backoffice.verification import CodeRules


@dataclass
class Deps:
    """Database sessions, the policy knowledge base, the signing secret, the clock, look-up limits and mail."""

    sessions: sessionmaker[Session]
    kb: KnowledgeBase
    secret: str
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC).replace(tzinfo=None))
    fleet: Fleet | None = None  # the delivery vans; None means backoffice/kb/fleet.yml
    jobs: Executor | None = None  # where slow operator work runs; None means a process of its own, made on first use
    quick_seconds: float = 2.0  # a job done within this answers in the same turn; a slower one is pushed later

    def job_pool(self) -> Executor:
        """The executor for slow jobs (``actions.background``): by default one separate worker process."""
        if self.jobs is None:
            self.jobs = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return self.jobs
    limits: LookupLimits = field(default_factory=lambda: LookupLimits.from_settings(get_settings()))
    codes: CodeRules = field(default_factory=lambda: CodeRules.from_settings(get_settings()))
    mailer: Mailer = field(default_factory=lambda: mailer_from_settings(get_settings()))
    mail_from: str = field(default_factory=lambda: get_settings().mail_from)

    def session(self) -> AbstractContextManager[Session]:
        """A session that commits on success and rolls back on error."""
        return session_scope(self.sessions)


_deps: Deps | None = None


def get_deps() -> Deps:
    """The process-wide dependencies, made on first use from the settings."""
    global _deps
    if _deps is None:
        settings = get_settings()
        _deps = Deps(sessions=get_sessionmaker(), kb=load_knowledge_base(settings.policy_file),
                     secret=settings.secret_key, fleet=load_fleet(settings.fleet_file))
    return _deps


def set_deps(deps: Deps | None) -> None:
    """Replace the dependencies (tests), or forget them so they are rebuilt."""
    global _deps
    _deps = deps
