"""The objects the web front creates at start-up and every route shares."""

from __future__ import annotations

from dataclasses import dataclass

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
    chat_limit: RateLimiter
    login_limit: RateLimiter


def runtime_of(connection: HTTPConnection) -> Runtime:
    """The runtime of the app serving this request or WebSocket."""
    runtime: Runtime = connection.app.state.runtime
    return runtime
