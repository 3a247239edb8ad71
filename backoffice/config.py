"""One settings object, read from the environment (prefix ``SHOPDESK_``) and an optional ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, model_validator
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
