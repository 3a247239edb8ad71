"""In-process publish/subscribe for live pushes to widgets and consoles (one web front process).

Channels are ``conversation:<id>`` (every tab of one shopper, and an operator's assistant tab) and ``console``
(every logged-in staff member). A slow subscriber loses events rather than slowing everyone down; the pages
re-read state over HTTP when they reconnect, so nothing is lost for good.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

QUEUE_SIZE = 256
CONSOLE = "console"


def conversation_channel(conversation_id: str) -> str:
    """The channel of one conversation."""
    return f"conversation:{conversation_id}"


class Hub:
    """Fan events out to the queues of everyone subscribed to a channel."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)

    @contextmanager
    def subscribe(self, channel: str) -> Iterator[asyncio.Queue[dict[str, Any]]]:
        """A queue receiving the channel's events until the ``with`` block ends."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self._subscribers[channel].add(queue)
        try:
            yield queue
        finally:
            self._subscribers[channel].discard(queue)
            if not self._subscribers[channel]:
                del self._subscribers[channel]

    def publish(self, channel: str, event: dict[str, Any]) -> None:
        """Deliver ``event`` to every current subscriber of ``channel``."""
        for queue in list(self._subscribers.get(channel, ())):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                pass  # that page reloads its state when it notices; never block the sender

    def listeners(self, channel: str) -> int:
        """How many subscribers a channel has (e.g. consoles online)."""
        return len(self._subscribers.get(channel, ()))
