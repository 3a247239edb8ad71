"""One settings object, read from the environment (prefix ``SHOPDESK_``) and an optional ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-secret-change-me"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class Settings(BaseSettings):
    """Runtime configuration. Every field can be set as ``SHOPDESK_<NAME>``; ``DATABASE_URL`` also works."""

    model_config = SettingsConfigDict(env_prefix="SHOPDESK_", env_file=".env", extra="ignore")

    env: str = Field("development", description="development | production")
    database_url: str = Field(
        default=f"sqlite:///{ROOT / 'var' / 'shopdesk.db'}",
        validation_alias=AliasChoices("DATABASE_URL", "SHOPDESK_DATABASE_URL"),
    )
    secret_key: str = Field(DEV_SECRET, description="HMAC key shared by the web front and the action server")
    policy_file: Path = ROOT / "backoffice" / "kb" / "policies.yml"
    fleet_file: Path = Field(ROOT / "backoffice" / "kb" / "fleet.yml", description="The delivery vans and depot")
    rasa_url: str = "http://127.0.0.1:5005"
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    demo_login: bool = Field(True, description="Allow the demo page to sign in as a seeded customer by e-mail")
    widget_origins: str = Field("'self'", description="Space-separated origins of the shop pages that embed the "
                                "chat widget (its iframe's CSP frame-ancestors), e.g. https://shop.example")
    chat_burst: int = Field(8, ge=1, description="Messages a conversation may send in a quick burst")
    chat_per_minute: float = Field(20, gt=0, description="Sustained messages per minute per conversation")
    demo_mode: bool = Field(False, description="Demo extras on the demo page, e.g. the mail outbox panel")
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
    def _refuse_dev_secret(self) -> Settings:
        if self.env != "development" and self.secret_key == DEV_SECRET:
            raise ValueError("SHOPDESK_SECRET_KEY must be set to a private value outside development")
        if self.env != "development" and self.demo_login:
            raise ValueError("SHOPDESK_DEMO_LOGIN must be false outside development")
        if self.web_host not in LOOPBACK and (self.secret_key == DEV_SECRET or self.demo_login):
            raise ValueError("the web front may only listen beyond 127.0.0.1 with a private SHOPDESK_SECRET_KEY "
                             "and SHOPDESK_DEMO_LOGIN=false")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
