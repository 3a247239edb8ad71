"""Outgoing e-mail: one small interface with an SMTP backend, and a file outbox for development and the demo.

The backend is a setting (``SHOPDESK_MAIL_BACKEND``): ``smtp`` hands every message to a mail server with the
standard library (host, port, log-in and STARTTLS from the settings); ``outbox`` writes each message as one
``.eml`` file under ``SHOPDESK_MAIL_OUTBOX`` (``var/outbox``), where the demo page can show it. Unset, it is
the outbox in development and SMTP everywhere else.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, getaddresses, make_msgid, parsedate_to_datetime
from pathlib import Path
from typing import Protocol

from backoffice.config import Settings


class MailError(Exception):
    """A message could not be handed over for delivery; the message says where it failed."""


class Mailer(Protocol):
    """Sends one message (blocking); raises ``MailError`` when it cannot."""

    def send(self, message: EmailMessage) -> None: ...


def compose(*, sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text message with a date and a message id."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="shopdesk.local")
    message.set_content(body)
    return message


class SmtpMailer:
    """Hands messages to an SMTP server, upgrading with STARTTLS and logging in when configured."""

    def __init__(self, host: str, port: int, *, user: str = "", password: str = "", starttls: bool = True,
                 timeout: float = 10.0, tls_context: ssl.SSLContext | None = None) -> None:
        if user and not starttls:
            raise ValueError("refusing to send an SMTP password without STARTTLS")
        self.host, self.port, self.user, self._password = host, port, user, password
        self.starttls, self.timeout = starttls, timeout
        self._tls_context = tls_context  # None: the system's trusted certificates, with host name checks

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` to the server (one connection per message: codes are few and urgent)."""
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=self._tls_context or ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self._password)
                refused = smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(f"could not send mail through {self.host}:{self.port}: {exc}") from exc
        if refused:
            raise MailError(f"{self.host}:{self.port} refused recipients: {', '.join(sorted(refused))}")


@dataclass(frozen=True)
class OutboxMessage:
    """One message in the file outbox, as the demo page lists it."""

    id: str
    to: list[str]
    subject: str
    sent_at: datetime | None
    body: str


class OutboxMailer:
    """Writes each message as one ``.eml`` file in ``folder`` (development and the demo; nothing leaves the box)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def send(self, message: EmailMessage) -> None:
        """Write ``message`` atomically: a reader never sees half a file."""
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            partial = self.folder / f".{name}.part"
            partial.write_bytes(message.as_bytes(policy=policy.SMTP))
            os.replace(partial, self.folder / name)
        except OSError as exc:
            raise MailError(f"could not write to the outbox {self.folder}: {exc}") from exc

    def latest(self, limit: int = 10, *, to: str | None = None) -> list[OutboxMessage]:
        """The newest ``limit`` messages, newest first; only those addressed to ``to`` when given."""
        if not self.folder.is_dir():
            return []
        wanted = to.strip().lower() if to else None
        found: list[OutboxMessage] = []
        for path in sorted(self.folder.glob("*.eml"), reverse=True):  # names start with the time written
            message = read_eml(path)
            if wanted is None or wanted in message.to:
                found.append(message)
                if len(found) >= limit:
                    break
        return found


def read_eml(path: Path) -> OutboxMessage:
    """Parse one outbox file."""
    parsed = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    recipients = [address.lower() for _, address in getaddresses([str(v) for v in parsed.get_all("To", [])])]
    body_part = parsed.get_body(preferencelist=("plain",)) if isinstance(parsed, EmailMessage) else None
    body = body_part.get_content() if body_part is not None else ""
    date = parsed.get("Date")
    try:
        sent_at = parsedate_to_datetime(str(date)).astimezone(UTC).replace(tzinfo=None) if date else None
    except (TypeError, ValueError):
        sent_at = None
    return OutboxMessage(id=path.stem, to=recipients, subject=str(parsed.get("Subject", "")), sent_at=sent_at,
                         body=str(body).strip())


def backend_name(settings: Settings) -> str:
    """The configured backend: ``SHOPDESK_MAIL_BACKEND``, or the outbox in development and SMTP elsewhere."""
    return settings.mail_backend or ("outbox" if settings.env == "development" else "smtp")


def mailer_from_settings(settings: Settings) -> Mailer:
    """The mailer the settings ask for."""
    if backend_name(settings) == "outbox":
        return OutboxMailer(settings.mail_outbox)
    return SmtpMailer(settings.smtp_host, settings.smtp_port, user=settings.smtp_user,
                      password=settings.smtp_password.get_secret_value(), starttls=settings.smtp_starttls,
                      timeout=settings.smtp_timeout)
