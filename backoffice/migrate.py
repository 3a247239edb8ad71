"""Apply the Alembic migrations to a database (``python -m backoffice.migrate``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str | None = None) -> Config:
    """The repo's Alembic config, optionally pointed at ``url``."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "backoffice" / "migrations"))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str | None = None) -> None:
    """Bring the database at ``url`` (default: DATABASE_URL) to the newest schema."""
    command.upgrade(alembic_config(url), "head")


if __name__ == "__main__":
    upgrade()
