"""Signed identity that travels from the web front to the actions inside Rasa message metadata.

The web front knows who the shopper is (its own session); the browser never does the signing. The signature
binds the conversation, the customer, the role, the client address, the time, a nonce and a hash of the
message text, so it can't be moved to another conversation or another message. The Rasa input channel accepts
each nonce once (``NonceBook``); the action server trusts a customer id or a staff role only when the HMAC over
the latest message verifies.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

ROLES = ("shopper", "agent", "operator", "admin")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_NONCE = re.compile(r"[0-9a-f]{32}")
MAX_AGE_SECONDS = 3600
MAX_CLIENT_CHARS = 64
FIELDS = frozenset({"customer_id", "role", "client", "issued_at", "nonce", "signature"})


@dataclass(frozen=True)
class Identity:
    """Who is talking in one conversation: an anonymous shopper has ``customer_id`` None."""

    sender_id: str
    customer_id: int | None = None
    role: str = "shopper"
    client: str | None = None  # the shopper's network address as the web front saw it (for per-client limits)

    @property
    def is_staff(self) -> bool:
        return self.role in ("agent", "operator", "admin")


def text_digest(text: str) -> str:
    """The sha256 of a message text (surrogates escaped, so any str can be hashed)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _mac(secret: str, sender_id: str, block: dict[str, Any], text: str) -> str:
    fields = [sender_id, block["customer_id"], block["role"], block["client"], block["issued_at"], block["nonce"],
              text_digest(text)]
    payload = json.dumps(fields, separators=(",", ":")).encode("utf-8", "surrogatepass")
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def sign(identity: Identity, secret: str, *, text: str, now: float | None = None,
         nonce: str | None = None) -> dict[str, Any]:
    """Metadata dict for one Rasa message (``text``): the identity plus its signature."""
    block: dict[str, Any] = {
        "customer_id": identity.customer_id,
        "role": identity.role,
        "client": (identity.client or "")[:MAX_CLIENT_CHARS] or None,
        "issued_at": int(now if now is not None else time.time()),
        "nonce": nonce or secrets.token_hex(16),
    }
    block["signature"] = _mac(secret, identity.sender_id, block, text)
    return {"shopdesk": block}


def verified_block(sender_id: str, metadata: dict[str, Any] | None, secret: str, *, text: str,
                   now: float | None = None) -> dict[str, Any] | None:
    """The signed block of ``metadata`` when it is well formed, fresh and signed for this sender and text."""
    block = (metadata or {}).get("shopdesk") if isinstance(metadata, dict) else None
    if not isinstance(block, dict) or not FIELDS <= block.keys():
        return None
    customer_id, role, client = block.get("customer_id"), block.get("role"), block.get("client")
    issued_at, nonce, mac = block.get("issued_at"), block.get("nonce"), block.get("signature")
    if role not in ROLES or type(issued_at) is not int or not isinstance(mac, str) or not _HEX64.fullmatch(mac):
        return None
    if customer_id is not None and type(customer_id) is not int:
        return None
    if client is not None and (not isinstance(client, str) or len(client) > MAX_CLIENT_CHARS):
        return None
    if not isinstance(nonce, str) or not _NONCE.fullmatch(nonce):
        return None
    current = now if now is not None else time.time()
    if abs(current - issued_at) > MAX_AGE_SECONDS:
        return None
    if not hmac.compare_digest(_mac(secret, sender_id, block, text), mac):
        return None
    return block


def verify(sender_id: str, metadata: dict[str, Any] | None, secret: str, *, text: str,
           now: float | None = None) -> Identity:
    """The identity ``metadata`` proves for ``sender_id`` and ``text``; unsigned, forged or stale is anonymous."""
    block = verified_block(sender_id, metadata, secret, text=text, now=now)
    if block is None:
        return Identity(sender_id=sender_id)
    return Identity(sender_id=sender_id, customer_id=block["customer_id"], role=block["role"], client=block["client"])


class NonceBook:
    """Nonces seen in the last ``MAX_AGE_SECONDS``: each signed message is accepted once (thread-safe, bounded).

    A signature older than the window is refused by ``verify`` anyway, so forgetting a nonce after it can't hurt.
    """

    def __init__(self, *, max_entries: int = 1_000_000, clock: Any = time.time) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()
        self._max, self._clock = max_entries, clock

    def first_use(self, nonce: str) -> bool:
        """Record ``nonce``; False when it was already used (a replay)."""
        now = self._clock()
        with self._lock:
            while self._seen and next(iter(self._seen.values())) < now - MAX_AGE_SECONDS:
                self._seen.popitem(last=False)
            if nonce in self._seen:
                return False
            self._seen[nonce] = now
            while len(self._seen) > self._max:
                self._seen.popitem(last=False)
            return True
