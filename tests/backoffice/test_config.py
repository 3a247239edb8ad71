"""Settings: read from SHOPDESK_* variables (and DATABASE_URL), with the dev shortcuts refused in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from backoffice.config import DEV_SECRET, ROOT, Settings

VARIABLES = ["DATABASE_URL", "SHOPDESK_ENV", "SHOPDESK_DATABASE_URL", "SHOPDESK_SECRET_KEY", "SHOPDESK_POLICY_FILE",
             "SHOPDESK_RASA_URL", "SHOPDESK_ACTION_URL", "SHOPDESK_WEB_HOST", "SHOPDESK_WEB_PORT",
             "SHOPDESK_DEMO_LOGIN"]


@pytest.fixture(autouse=True)
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No settings from the machine running the tests: no variables, no .env in the working folder."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_development_defaults() -> None:
    settings = Settings()
    assert settings.env == "development"
    assert settings.secret_key == DEV_SECRET
    assert settings.demo_login is True
    assert settings.database_url == f"sqlite:///{ROOT / 'var' / 'shopdesk.db'}"
    assert settings.policy_file == ROOT / "backoffice" / "kb" / "policies.yml" and settings.policy_file.is_file()
    assert settings.rasa_url == "http://127.0.0.1:5005"
    assert (settings.web_host, settings.web_port) == ("127.0.0.1", 8000)


def test_production_refuses_the_dev_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPDESK_ENV", "production")
    monkeypatch.setenv("SHOPDESK_DEMO_LOGIN", "false")
    with pytest.raises(ValidationError, match="SHOPDESK_SECRET_KEY must be set to a private value"):
        Settings()


def test_production_refuses_demo_login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPDESK_ENV", "production")
    monkeypatch.setenv("SHOPDESK_SECRET_KEY", "a-long-private-value")
    with pytest.raises(ValidationError, match="SHOPDESK_DEMO_LOGIN must be false outside development"):
        Settings()


@pytest.mark.parametrize("env", ["production", "staging"])
def test_outside_development_a_private_secret_without_demo_login_is_accepted(
    monkeypatch: pytest.MonkeyPatch, env: str
) -> None:
    monkeypatch.setenv("SHOPDESK_ENV", env)
    monkeypatch.setenv("SHOPDESK_SECRET_KEY", "a-long-private-value")
    monkeypatch.setenv("SHOPDESK_DEMO_LOGIN", "false")
    settings = Settings()
    assert (settings.env, settings.secret_key, settings.demo_login) == (env, "a-long-private-value", False)


def test_keyword_arguments_are_checked_too() -> None:
    with pytest.raises(ValidationError, match="SHOPDESK_SECRET_KEY"):
        Settings(env="production", demo_login=False)
    assert Settings(env="production", secret_key="x", demo_login=False).env == "production"


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


def test_listening_beyond_loopback_needs_a_private_secret_and_no_demo_login() -> None:
    with pytest.raises(ValidationError):
        Settings(web_host="0.0.0.0", demo_login=False)
    with pytest.raises(ValidationError):
        Settings(web_host="0.0.0.0", secret_key="a-private-secret", demo_login=True)
    assert Settings(web_host="0.0.0.0", secret_key="a-private-secret", demo_login=False).web_host == "0.0.0.0"
