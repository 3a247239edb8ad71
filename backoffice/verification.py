"""One-time codes that let an anonymous shopper confirm a change to an order (cancel, new address, refund).

Knowing an order's number and e-mail is enough to read the order, not to change it: the change waits for a
code of 6 random digits (``secrets``) sent to the order's e-mail address. Only an HMAC-SHA256 of the code is
stored, keyed with the shop's secret and bound to the conversation, the order and the exact change (a new
address included), so a code confirms that one change in that one conversation. A code expires, allows a few
wrong tries and works once; a new code for the same order in the same conversation retires the older ones, and
an order gets only so many codes an hour.

Functions take a ``Session`` keyword-only; the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backoffice.config import Settings
from backoffice.mail import compose
from backoffice.models import Order, VerificationCode

CODE_DIGITS = 6
_CODE = re.compile(r"(?<!\d)(\d{3})[ -]?(\d{3})(?!\d)")
CHANGE_WORDS = {"cancel": "cancel the order", "change_address": "change the delivery address",
                "refund": "open a return and refund"}


@dataclass(frozen=True)
class CodeRules:
    """How long a code lives, how many wrong tries it takes, and how many an order gets per hour."""

    ttl: timedelta
    max_attempts: int
    per_order_per_hour: int

    def __post_init__(self) -> None:
        if self.ttl <= timedelta(0) or self.max_attempts < 1 or self.per_order_per_hour < 1:
            raise ValueError("a code needs a lifetime, at least one try and at least one code an hour")

    @classmethod
    def from_settings(cls, settings: Settings) -> CodeRules:
        """The rules configured by ``SHOPDESK_CODE_*``."""
        return cls(ttl=timedelta(minutes=settings.code_ttl_minutes), max_attempts=settings.code_max_attempts,
                   per_order_per_hour=settings.codes_per_order_per_hour)


class CodeStatus(StrEnum):
    """The outcome of checking a typed code."""

    OK = "ok"  # right: the change may be applied (and the code is used up)
    WRONG = "wrong"  # wrong, with tries left
    SPENT = "spent"  # no live code: none sent, expired, used, replaced, or its last try was wrong


@dataclass(frozen=True)
class CodeCheck:
    """A check's outcome and, when wrong, how many tries the code has left."""

    status: CodeStatus
    attempts_left: int = 0

    @property
    def ok(self) -> bool:
        return self.status is CodeStatus.OK


class TooManyCodes(Exception):
    """The order has had as many codes as it may within the hour."""


def parse_code(text: str | None) -> str | None:
    """The 6-digit code in ``text`` ("483920", "483 920", "my code is 483-920"), or None."""
    match = _CODE.search(text or "")
    return match.group(1) + match.group(2) if match else None


def change_kind(change: str) -> str:
    """``'change_address:600001:22 Baker St'`` → ``'change_address'``."""
    return change.split(":", 1)[0]


def code_hash(secret: str, *, conversation_id: str, order_number: str, change: str, code: str) -> str:
    """HMAC-SHA256 (hex) of the code, bound to the conversation, the order and the change."""
    message = json.dumps([conversation_id, order_number, change, code], separators=(",", ":")).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def issue_code(session: Session, *, order: Order, conversation_id: str, change: str, secret: str, now: datetime,
               rules: CodeRules) -> str:
    """A new code for ``change`` to ``order`` in this conversation; only its hash is stored.

    Raises ``TooManyCodes`` when the order had ``rules.per_order_per_hour`` codes within the last hour.
    """
    sent = session.scalar(select(func.count(VerificationCode.id)).where(
        VerificationCode.order_id == order.id, VerificationCode.created_at > now - timedelta(hours=1)))
    if (sent or 0) >= rules.per_order_per_hour:
        raise TooManyCodes(f"order {order.number} had {sent} codes within the hour")
    session.execute(update(VerificationCode).where(  # a new code retires the older ones of this conversation
        VerificationCode.order_id == order.id, VerificationCode.conversation_id == conversation_id,
        VerificationCode.used_at.is_(None), VerificationCode.expires_at > now).values(expires_at=now))
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    session.add(VerificationCode(
        order_id=order.id, conversation_id=conversation_id, purpose=change_kind(change)[:20],
        code_hash=code_hash(secret, conversation_id=conversation_id, order_number=order.number, change=change,
                            code=code),
        attempts=0, created_at=now, expires_at=now + rules.ttl))
    session.flush()
    return code


def check_code(session: Session, *, order: Order, conversation_id: str, change: str, code: str | None,
               secret: str, now: datetime, rules: CodeRules) -> CodeCheck:
    """Check a typed code against the newest live code for this order in this conversation.

    A right code is used up at once; a wrong one costs a try. A code issued for another change (another
    address, say) does not match.
    """
    row = session.scalars(
        select(VerificationCode).where(
            VerificationCode.order_id == order.id, VerificationCode.conversation_id == conversation_id,
            VerificationCode.used_at.is_(None))
        .order_by(VerificationCode.id.desc()).limit(1).with_for_update()
    ).first()
    if row is None or row.expires_at <= now or row.attempts >= rules.max_attempts:
        return CodeCheck(CodeStatus.SPENT)
    typed = parse_code(code) or ""
    expected = code_hash(secret, conversation_id=conversation_id, order_number=order.number, change=change,
                         code=typed)
    if not typed or not hmac.compare_digest(row.code_hash, expected):
        row.attempts += 1
        session.flush()
        left = rules.max_attempts - row.attempts
        return CodeCheck(CodeStatus.WRONG, left) if left > 0 else CodeCheck(CodeStatus.SPENT)
    row.used_at = now
    session.flush()
    return CodeCheck(CodeStatus.OK)


def code_email(*, order: Order, change: str, code: str, rules: CodeRules, shop_name: str, sender: str
               ) -> EmailMessage:
    """The e-mail that carries the code to the order's address."""
    what = CHANGE_WORDS.get(change_kind(change), "change the order")
    minutes = int(rules.ttl.total_seconds() // 60)
    body = (f"Your code is {code}\n\n"
            f"Type it in the chat with our assistant to {what} (order {order.number}). It works once, for the next "
            f"{minutes} minutes.\n\n"
            f"If you didn't ask for this, ignore this e-mail: nothing changes without the code. Never share it.\n\n"
            f"{shop_name}\n")
    return compose(sender=sender, to=order.email, subject=f"{code} is your {shop_name} code for order {order.number}",
                   body=body)
