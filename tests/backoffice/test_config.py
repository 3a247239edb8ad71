"""Settings: read from SHOPDESK_* variables (and DATABASE_URL), with the dev shortcuts refused in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from backoffice.config import ROOT, Settings

VARIABLES = ["DATABASE_URL", "SHOPDESK_ENV", "SHOPDESK_DATABASE_URL", "SHOPDESK_SECRET_KEY", "SHOPDESK_POLICY_FILE",
             "SHOPDESK_RASA_URL", "SHOPDESK_ACTION_URL", "SHOPDESK_WEB_HOST", "SHOPDESK_WEB_PORT",
             "SHOPDESK_DEMO_MODE", "SHOPDESK_SECRET_FILE", "SHOPDESK_TRUSTED_PROXIES"]


@pytest.fixture(autouse=True)
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No settings from the machine running the tests: no variables, no .env in the working folder."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHOPDESK_SECRET_FILE", str(tmp_path / "var" / "secret_key"))


def test_development_defaults(tmp_path: Path) -> None:
    settings = Settings()
    assert settings.env == "development"
    assert settings.demo_mode is False
    secret_file = tmp_path / "var" / "secret_key"
    assert settings.secret_key == secret_file.read_text().strip() and len(settings.secret_key) >= 60
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert settings.database_url == f"sqlite:///{ROOT / 'var' / 'shopdesk.db'}"
    assert settings.policy_file == ROOT / "backoffice" / "kb" / "policies.yml" and settings.policy_file.is_file()
    assert settings.rasa_url == "http://127.0.0.1:5005"
    assert (settings.web_host, settings.web_port) == ("127.0.0.1", 8000)


def test_every_install_gets_its_own_secret_and_keeps_it(tmp_path: Path) -> None:
    first = Settings(secret_file=tmp_path / "a" / "secret_key")
    assert Settings(secret_file=tmp_path / "a" / "secret_key").secret_key == first.secret_key
    assert Settings(secret_file=tmp_path / "b" / "secret_key").secret_key != first.secret_key
    assert first.internal_token != first.secret_key and len(first.internal_token) == 64


def test_a_secret_from_the_environment_wins_and_no_file_is_written(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    monkeypatch.setenv("SHOPDESK_SECRET_KEY", "a-long-private-value")
    assert Settings().secret_key == "a-long-private-value"
    assert not (tmp_path / "var" / "secret_key").exists()


def test_production_needs_a_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPDESK_ENV", "production")
    with pytest.raises(ValidationError, match="SHOPDESK_SECRET_KEY must be set to a private value"):
        Settings()
    monkeypatch.setenv("SHOPDESK_SECRET_KEY", "too-short")
    with pytest.raises(ValidationError, match="at least 16"):
        Settings()


def test_production_refuses_demo_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPDESK_ENV", "production")
    monkeypatch.setenv("SHOPDESK_SECRET_KEY", "a-long-private-value")
    monkeypatch.setenv("SHOPDESK_DEMO_MODE", "true")
    with pytest.raises(ValidationError, match="SHOPDESK_DEMO_MODE must be off outside development"):
        Settings()


def test_a_malformed_trusted_proxy_is_refused_at_start_up() -> None:
    with pytest.raises(ValidationError):
        Settings(trusted_proxies="10.0.0.0/8 not-an-address")
    assert Settings(trusted_proxies="10.0.0.0/8 ::1").trusted_proxies == "10.0.0.0/8 ::1"


@pytest.mark.parametrize("env", ["production", "staging"])
def test_outside_development_a_private_secret_without_demo_mode_is_accepted(
    monkeypatch: pytest.MonkeyPatch, env: str
) -> None:
    monkeypatch.setenv("SHOPDESK_ENV", env)
    monkeypatch.setenv("SHOPDESK_SECRET_KEY", "a-long-private-value")
    settings = Settings()
    assert (settings.env, settings.secret_key, settings.demo_mode) == (env, "a-long-private-value", False)


def test_keyword_arguments_are_checked_too() -> None:
    with pytest.raises(ValidationError, match="SHOPDESK_SECRET_KEY"):
        Settings(env="production")
    assert Settings(env="production", secret_key="x" * 16).env == "production"


def test_database_url_variable_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://shop@db.internal/shopdesk")
    assert Settings().database_url == "postgresql+psycopg://shop@db.internal/shopdesk"


def test_prefixed_database_url_variable_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPDESK_DATABASE_URL", "postgresql+psycopg://shop@db.internal/shopdesk")
    assert Settings().database_url == "postgresql+psycopg://shop@db.internal/shopdesk"


def test_prefixed_variables_set_their_fields(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SHOPDESK_POLICY_FILE", str(tmp_path / "mine.yml"))
    monkeypatch.setenv("SHOPDESK_WEB_PORT", "9001")
    monkeypatch.setenv("SHOPDESK_RASA_URL", "http://rasa:5005")
    settings = Settings()
    assert (settings.policy_file, settings.web_port, settings.rasa_url) == (tmp_path / "mine.yml", 9001,
                                                                            "http://rasa:5005")


def test_a_dot_env_file_in_the_working_folder_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SHOPDESK_WEB_PORT=8123\nDATABASE_URL=sqlite:///from-dotenv.db\n",
                                   encoding="utf-8")
    settings = Settings()
    assert (settings.web_port, settings.database_url) == (8123, "sqlite:///from-dotenv.db")


def test_environment_wins_over_dot_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("SHOPDESK_WEB_PORT=8123\n", encoding="utf-8")
    monkeypatch.setenv("SHOPDESK_WEB_PORT", "8999")
    assert Settings().web_port == 8999


def test_a_bad_port_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPDESK_WEB_PORT", "eighty")
    with pytest.raises(ValidationError, match="web_port"):
        Settings()


def test_listening_beyond_loopback_refuses_demo_mode() -> None:
    with pytest.raises(ValidationError):
        Settings(web_host="0.0.0.0", secret_key="a-private-secret", demo_mode=True)
    assert Settings(web_host="0.0.0.0", secret_key="a-private-secret").web_host == "0.0.0.0"
