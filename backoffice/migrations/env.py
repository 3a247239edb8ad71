"""Alembic environment: migrates the URL given in the config, else the configured DATABASE_URL."""

from __future__ import annotations

from alembic import context

from backoffice.config import get_settings
from backoffice.db import make_engine
from backoffice.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
connection = config.attributes.get("connection")


def _run(conn) -> None:
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        # Batch mode rebuilds SQLite tables (copy, drop, rename): with foreign keys on, dropping a table other
        # rows point at fails. SQLite ignores this pragma inside a transaction, so set it before one starts.
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.commit()
    context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    if sqlite:
        conn.commit()
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")


if connection is not None:
    _run(connection)
else:
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()
