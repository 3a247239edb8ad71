"""Signed identity that travels from the web front to the actions inside Rasa message metadata.

The web front knows who the shopper is (its own session); the browser never does the signing. The
action server trusts a customer id or a staff role only when the HMAC over it verifies.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from typing import Any

ROLES = ("shopper", "agent", "operator", "admin")
_HEX64 = re.compile(r"[0-9a-f]{64}")
MAX_AGE_SECONDS = 3600


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


def _payload(sender_id: str, customer_id: int | None, role: str, issued_at: int) -> bytes:
    return json.dumps([sender_id, customer_id, role, issued_at], separators=(",", ":")).encode()


def sign(identity: Identity, secret: str, *, now: float | None = None) -> dict[str, Any]:
    """Metadata dict for a Rasa message: the identity plus its signature."""
    issued_at = int(now if now is not None else time.time())
    mac = hmac.new(
        secret.encode(), _payload(identity.sender_id, identity.customer_id, identity.role, issued_at), hashlib.sha256
    ).hexdigest()
    return {
        "shopdesk": {
            "customer_id": identity.customer_id,
            "role": identity.role,
            "issued_at": issued_at,
            "signature": mac,
        }
    }


def verify(sender_id: str, metadata: dict[str, Any] | None, secret: str, *, now: float | None = None) -> Identity:
    """The identity ``metadata`` proves for ``sender_id``; unsigned, forged or stale means an anonymous shopper."""
    anonymous = Identity(sender_id=sender_id)
    block = (metadata or {}).get("shopdesk")
    if not isinstance(block, dict):
        return anonymous
    customer_id, role, issued_at, mac = (
        block.get("customer_id"),
        block.get("role"),
        block.get("issued_at"),
        block.get("signature"),
    )
    if role not in ROLES or type(issued_at) is not int or not isinstance(mac, str) or not _HEX64.fullmatch(mac):
        return anonymous
    if customer_id is not None and type(customer_id) is not int:
        return anonymous
    current = now if now is not None else time.time()
    if abs(current - issued_at) > MAX_AGE_SECONDS:
        return anonymous
    expected = hmac.new(
        secret.encode(), _payload(sender_id, customer_id, role, issued_at), hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected, mac):
        return anonymous
    return Identity(sender_id=sender_id, customer_id=customer_id, role=role)
