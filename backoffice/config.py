"""One settings object, read from the environment (prefix ``SHOPDESK_``) and an optional ``.env`` file."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from backoffice.install_secret import derive, load_or_create

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = ("127.0.0.1", "localhost", "::1")
MIN_SECRET_CHARS = 16


class Settings(BaseSettings):
    """Runtime configuration. Every field can be set as ``SHOPDESK_<NAME>``; ``DATABASE_URL`` also works."""

    model_config = SettingsConfigDict(env_prefix="SHOPDESK_", env_file=".env", extra="ignore")

    env: str = Field("development", description="development | production")
    database_url: str = Field(
        default=f"sqlite:///{ROOT / 'var' / 'shopdesk.db'}",
        validation_alias=AliasChoices("DATABASE_URL", "SHOPDESK_DATABASE_URL"),
    )
    secret_key: str = Field("", description="The install's secret, from which every process derives its keys. "
                            "Unset in development: read from (or made random in) secret_file")
    secret_file: Path = Field(ROOT / "var" / "secret_key", description="Where development keeps its random secret")
    policy_file: Path = ROOT / "backoffice" / "kb" / "policies.yml"
    fleet_file: Path = Field(ROOT / "backoffice" / "kb" / "fleet.yml", description="The delivery vans and depot")
    rasa_url: str = "http://127.0.0.1:5005"
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    demo_mode: bool = Field(False, description="The demo shop: sign in as any seeded customer by e-mail and read "
                            "the mail outbox on the page. `make run` turns it on; refused in production")
    widget_origins: str = Field("'self'", description="Space-separated origins of the shop pages that embed the "
                                "chat widget (its iframe's CSP frame-ancestors), e.g. https://shop.example")
    trusted_proxies: str = Field("", description="Space-separated addresses or networks of reverse proxies whose "
                                 "X-Forwarded-For names the client (e.g. 127.0.0.1 for nginx on this host)")
    chat_burst: int = Field(8, ge=1, description="Messages a conversation may send in a quick burst")
    chat_per_minute: float = Field(20, gt=0, description="Sustained messages per minute per conversation")
    client_chat_per_minute: float = Field(120, gt=0, description="Messages per minute from one client address, "
                                          "over all its conversations (bursts of a quarter of that)")
    client_new_conversations_per_hour: float = Field(
        30, gt=0, description="New conversations one client address may start per hour (bursts of 10)")
    client_logins_per_minute: float = Field(5, gt=0, description="Sign-in attempts (shop page and console) per "
                                            "minute from one client address")
    # Anonymous order look-ups (number + the order's e-mail): failures allowed within the window, per client
    # address, per e-mail and per order number, before that key is locked out (backoffice/attempts.py).
    lookup_failures_per_client: int = Field(20, ge=1, description="Failed look-ups per client address per window")
    lookup_failures_per_email: int = Field(5, ge=1, description="Failed look-ups per e-mail address per window")
    lookup_failures_per_order: int = Field(5, ge=1, description="Failed look-ups per order number per window")
    lookup_window_minutes: int = Field(15, ge=1, description="How long failed look-ups are counted")
    lookup_lockout_minutes: int = Field(30, ge=1, description="How long a key stays locked once over its limit")
    # One-time codes an anonymous shopper types to confirm a change (backoffice/verification.py).
    code_ttl_minutes: int = Field(10, ge=1, description="How long an e-mailed code is valid")
    code_max_attempts: int = Field(5, ge=1, description="Wrong tries before a code is dead")
    codes_per_order_per_hour: int = Field(5, ge=1, description="Codes sent for one order within an hour")
    # Outgoing mail (backoffice/mail.py): the file outbox by default in development, SMTP elsewhere.
    mail_backend: Literal["outbox", "smtp"] | None = Field(None, description="outbox | smtp; unset: outbox in "
                                                         "development, smtp otherwise")
    mail_from: str = Field("Shopdesk <no-reply@shopdesk.example>", description="The From: of the shop's e-mails")
    mail_outbox: Path = Field(ROOT / "var" / "outbox", description="Folder of the file outbox (one .eml a message)")
    smtp_host: str = "localhost"
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_user: str = Field("", description="SMTP log-in; empty: no AUTH")
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = Field(True, description="Upgrade the SMTP connection with STARTTLS before AUTH")
    smtp_timeout: float = Field(10, gt=0, description="Seconds to wait for the SMTP server")

    @model_validator(mode="after")
    def _safe_secret_and_demo(self) -> Settings:
        if self.env != "development" and len(self.secret_key) < MIN_SECRET_CHARS:
            raise ValueError(f"SHOPDESK_SECRET_KEY must be set to a private value of at least {MIN_SECRET_CHARS} "
                             "characters outside development")
        if self.env != "development" and self.demo_mode:
            raise ValueError("SHOPDESK_DEMO_MODE must be off outside development")
        if self.web_host not in LOOPBACK and self.demo_mode:
            raise ValueError("the web front may only listen beyond 127.0.0.1 with SHOPDESK_DEMO_MODE off")
        for proxy in self.trusted_proxies.split():  # a typo fails at start-up, not on the first request
            ipaddress.ip_network(proxy, strict=False)
        if not self.secret_key:
            self.secret_key = load_or_create(self.secret_file)
        return self

    @property
    def web_url(self) -> str:
        """Where the other processes reach the web front (its internal push endpoint)."""
        host = "127.0.0.1" if self.web_host in ("0.0.0.0", "::", "") else self.web_host
        return f"http://{host}:{self.web_port}"

    @property
    def internal_token(self) -> str:
        """The bearer token the web front, the Rasa server and the action server show each other."""
        return derive(self.secret_key, "internal-token")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
