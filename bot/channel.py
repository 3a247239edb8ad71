"""The Rasa server's only input channel: the web front's signed messages, nothing else.

Loaded by the Rasa server (``credentials.yml``), so it imports only Rasa and the standard-library parts of the
back office. Every ``POST /webhooks/shopdesk/webhook`` must carry the internal bearer token, and its metadata
must be signed by the web front for exactly this conversation and this text, with a nonce not seen before.
Anything else is refused before it reaches the dialogue: a process on this machine that can reach Rasa's port
can't talk as a shopper, let alone as an operator, and can't replay a message it saw.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from backoffice.identity import NonceBook, verified_block
from backoffice.install_secret import derive

logger = logging.getLogger(__name__)


class ShopdeskInput(InputChannel):
    """``/webhooks/shopdesk/webhook``: token-checked, signature-checked, single-use messages from the web front."""

    def __init__(self, secret: str) -> None:
        if len(secret) < 16:
            raise ValueError("the shopdesk channel needs SHOPDESK_SECRET_KEY (16 characters or more)")
        self.secret = secret
        self.token = derive(secret, "internal-token")
        self.nonces = NonceBook()

    @classmethod
    def name(cls) -> str:
        return "shopdesk"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(str((credentials or {}).get("secret") or ""))

    def refusal(self, request: Request) -> tuple[int, str] | None:
        """Why this request may not reach the dialogue (status, reason), or None when it may."""
        header = request.headers.get("authorization") or ""
        if not hmac.compare_digest(header.encode(), f"Bearer {self.token}".encode()):
            return 401, "missing or wrong token"
        body = request.json if isinstance(request.json, dict) else {}
        sender, text, metadata = body.get("sender"), body.get("message"), body.get("metadata")
        if not isinstance(sender, str) or not sender or not isinstance(text, str):
            return 400, "sender and message must be strings"
        block = verified_block(sender, metadata if isinstance(metadata, dict) else None, self.secret, text=text)
        if block is None:
            return 403, "metadata not signed for this conversation and text"
        if not self.nonces.first_use(block["nonce"]):
            return 403, "this signed message was already delivered"
        return None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("shopdesk_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                refused = self.refusal(request)
            except Exception:  # a body that is not JSON
                refused = (400, "the body must be a JSON object")
            if refused is not None:
                logger.warning("refused a message from %s: %s", request.ip, refused[1])
                return response.json({"error": refused[1]}, status=refused[0])
            body = request.json
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(body["message"], collector, body["sender"],
                                                 input_channel=self.name(), metadata=body["metadata"]))
            except Exception:
                logger.exception("the dialogue failed on a message for %s", body["sender"])
            return response.json(collector.messages)

        return hook
