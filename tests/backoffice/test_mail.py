"""Outgoing mail: the SMTP backend against a real in-process SMTP server (aiosmtpd), and the file outbox."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from backoffice.config import Settings
from backoffice.mail import MailError, OutboxMailer, SmtpMailer, backend_name, compose, mailer_from_settings


class Inbox:
    """An aiosmtpd handler that keeps every envelope it receives."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def message(to: str = "alice@example.com") -> Any:
    return compose(sender="Shop <shop@example.com>", to=to, subject="123456 is your code", body="Your code is 123456")


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


@pytest.fixture
def tls_inbox(certificate: tuple[Path, Path]) -> Iterator[tuple[Inbox, int, list[tuple[bytes, bytes]]]]:
    """A server that insists on STARTTLS and checks a log-in (only offered after STARTTLS)."""
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=(auth_data.login, auth_data.password) == (b"shop", b"s3cret"))

    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=server_context,
                            require_starttls=True, authenticator=authenticator, auth_require_tls=True)
    controller.start()
    yield handler, port, logins
    controller.stop()


def client_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


def test_smtp_delivers_the_message_to_the_server(inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    SmtpMailer("127.0.0.1", port, starttls=False).send(message())
    [envelope] = handler.envelopes
    assert envelope.mail_from == "shop@example.com" and envelope.rcpt_tos == ["alice@example.com"]
    received = message_from_bytes(envelope.content)
    assert received["Subject"] == "123456 is your code"
    assert "Your code is 123456" in received.get_payload()


def test_smtp_upgrades_with_starttls_and_logs_in(tls_inbox: Any, certificate: tuple[Path, Path]) -> None:
    handler, port, logins = tls_inbox
    SmtpMailer("127.0.0.1", port, user="shop", password="s3cret", starttls=True,
               tls_context=client_context(certificate)).send(message())
    assert logins == [(b"shop", b"s3cret")]
    assert [e.rcpt_tos for e in handler.envelopes] == [["alice@example.com"]]


def test_smtp_wrong_password_is_a_mail_error(tls_inbox: Any, certificate: tuple[Path, Path]) -> None:
    handler, port, _ = tls_inbox
    mailer = SmtpMailer("127.0.0.1", port, user="shop", password="wrong", timeout=3,
                        tls_context=client_context(certificate))
    with pytest.raises(MailError, match=f"127.0.0.1:{port}"):
        mailer.send(message())
    assert handler.envelopes == []


def test_smtp_without_starttls_is_refused_by_a_server_that_requires_it(tls_inbox: Any) -> None:
    handler, port, _ = tls_inbox
    with pytest.raises(MailError):
        SmtpMailer("127.0.0.1", port, starttls=False).send(message())
    assert handler.envelopes == []


def test_smtp_does_not_trust_an_unknown_certificate(tls_inbox: Any) -> None:
    _, port, logins = tls_inbox
    with pytest.raises(MailError, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        SmtpMailer("127.0.0.1", port, user="shop", password="s3cret").send(message())  # system CAs only
    assert logins == []  # the password never went out


def test_smtp_server_down_is_a_mail_error() -> None:
    with pytest.raises(MailError, match="could not send mail"):
        SmtpMailer("127.0.0.1", free_port(), starttls=False, timeout=2).send(message())


def test_a_password_without_starttls_is_refused() -> None:
    with pytest.raises(ValueError, match="without STARTTLS"):
        SmtpMailer("mail.example.com", 25, user="shop", password="x", starttls=False)


def test_outbox_writes_one_eml_file_per_message_and_lists_the_newest_first(tmp_path: Path) -> None:
    outbox = OutboxMailer(tmp_path / "outbox")
    assert outbox.latest() == []  # no folder yet
    outbox.send(message("alice@example.com"))
    outbox.send(compose(sender="s@example.com", to="Bob <BOB@example.com>", subject="second", body="Hello Bob"))
    files = sorted((tmp_path / "outbox").iterdir())
    assert [f.suffix for f in files] == [".eml", ".eml"]
    assert message_from_bytes(files[0].read_bytes())["To"] == "alice@example.com"
    newest = outbox.latest()
    assert [m.subject for m in newest] == ["second", "123456 is your code"]
    assert newest[0].to == ["bob@example.com"] and newest[0].body == "Hello Bob"
    assert newest[0].sent_at is not None and newest[0].id == files[1].stem
    assert [m.subject for m in outbox.latest(to="ALICE@example.com")] == ["123456 is your code"]
    assert len(outbox.latest(limit=1)) == 1


def test_outbox_that_cannot_be_written_is_a_mail_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(MailError, match="outbox"):
        OutboxMailer(blocker / "outbox").send(message())


def test_the_backend_is_a_setting_with_the_outbox_as_the_development_default(tmp_path: Path) -> None:
    development = Settings(mail_outbox=tmp_path, secret_key="a-private-secret-value")
    assert backend_name(development) == "outbox"
    outbox = mailer_from_settings(development)
    assert isinstance(outbox, OutboxMailer) and outbox.folder == tmp_path
    production = Settings(env="production", secret_key="a-private-secret-value", smtp_host="mail.example.com",
                          smtp_port=2525, smtp_user="shop", smtp_password="pw")
    assert backend_name(production) == "smtp"
    smtp = mailer_from_settings(production)
    assert isinstance(smtp, SmtpMailer) and (smtp.host, smtp.port, smtp.user, smtp.starttls) == (
        "mail.example.com", 2525, "shop", True)
    assert backend_name(Settings(mail_backend="smtp", secret_key="a-private-secret-value")) == "smtp"
