"""The objects the web front creates at start-up and every route shares."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from starlette.requests import HTTPConnection

from backoffice.config import Settings
from backoffice.knowledge import KnowledgeBase
from bot.accounts import AccountLookup
from bot.chat import ChatService
from bot.database import Database
from bot.hub import Hub
from bot.ratelimit import RateLimiter
from bot.relay import RasaRelay


@dataclass
class Runtime:
    """Per-app objects created at start-up."""

    settings: Settings
    relay: RasaRelay
    accounts: AccountLookup
    db: Database
    hub: Hub
    kb: KnowledgeBase
    chat: ChatService
    chat_limit: RateLimiter  # messages per conversation
    login_limit: RateLimiter  # sign-in attempts per client address (shop page and console)
    client_chat_limit: RateLimiter  # messages per client address, over all its conversations
    conversation_limit: RateLimiter  # new conversations per client address
    # Argon2 checks at once (each takes ~50 ms of a core and 64 MB); more log-ins are told to retry.
    password_checks: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(2))


def runtime_of(connection: HTTPConnection) -> Runtime:
    """The runtime of the app serving this request or WebSocket."""
    runtime: Runtime = connection.app.state.runtime
    return runtime
