"""Client for the Rasa server's Shopdesk channel (``POST /webhooks/shopdesk/webhook``, see ``bot/channel.py``)."""

from __future__ import annotations

import logging
from typing import Any

import httpx

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
WEBHOOK = "/webhooks/shopdesk/webhook"
_MESSAGE_KEYS = ("text", "buttons", "image", "custom", "attachment")


class RasaUnavailable(Exception):
    """Rasa could not be reached, timed out or answered with something that is not a message list."""


def _clean_button(button: Any) -> dict[str, str] | None:
    if not isinstance(button, dict):
        return None
    title, payload = button.get("title"), button.get("payload")
    if not isinstance(title, str) or not isinstance(payload, str):
        return None
    return {"title": title, "payload": payload}


def clean_messages(raw: Any) -> list[dict[str, Any]]:
    """Keep only the parts of Rasa's answer the page renders (text, buttons, image, custom, attachment)."""
    if not isinstance(raw, list):
        raise RasaUnavailable(f"unexpected answer from Rasa: {type(raw).__name__}")
    messages: list[dict[str, Any]] = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        message = {key: item[key] for key in _MESSAGE_KEYS if item.get(key) is not None}
        if "buttons" in message:
            buttons = [b for b in map(_clean_button, message["buttons"] or []) if b is not None]
            if buttons:
                message["buttons"] = buttons
            else:
                del message["buttons"]
        if message:
            messages.append(message)
    return messages


class RasaRelay:
    """One pooled HTTP client to the Rasa server; create it at startup and ``aclose()`` it at shutdown."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            transport=transport,
            headers={"authorization": f"Bearer {token}"},
        )

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """Deliver one user message and return the bot's answers; raise ``RasaUnavailable`` on any failure."""
        body = {"sender": sender, "message": text, "metadata": metadata}
        try:
            response = await self._client.post(WEBHOOK, json=body)
            response.raise_for_status()
            return clean_messages(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(f"{type(exc).__name__}: {exc}") from exc

    async def ping(self) -> bool:
        """Return True when the Rasa server answers ``GET /``."""
        try:
            response = await self._client.get("/", timeout=3.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()
