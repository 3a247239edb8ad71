"""The Alembic migrations: they build the whole schema, re-run harmlessly, and go down and up again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text

from backoffice.config import get_settings
from backoffice.db import make_engine
from backoffice.migrate import alembic_config, upgrade
from backoffice.models import Base, Customer

HEAD = "0006"
TABLES = {"addresses", "customers", "order_lines", "orders", "payments", "products", "refunds", "returns",
          "shipments", "support_tickets", "ticket_messages", "tracking_events", "staff_members", "staff_sessions",
          "conversations", "conversation_messages", "ticket_notes", "fraud_labels", "delivery_plans",
          "delivery_routes", "delivery_stops", "lookup_failures", "verification_codes", "customer_sessions"}


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def version(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(text("SELECT version_num FROM alembic_version")))


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    url = f"sqlite:///{tmp_path / 'sub' / 'fresh.db'}"
    engine = make_engine(url)  # also creates the folder
    yield url, engine
    engine.dispose()


def test_upgrade_of_an_empty_sqlite_file_creates_every_table(sqlite_file: tuple[str, Engine]) -> None:
    url, engine = sqlite_file
    assert tables(engine) == set()
    upgrade(url)
    assert tables(engine) == TABLES | {"alembic_version"}
    assert version(engine) == [HEAD]


def test_the_tables_have_the_models_columns(engine: Engine) -> None:
    inspector = inspect(engine)
    for table in Base.metadata.sorted_tables:
        assert [c["name"] for c in inspector.get_columns(table.name)] == [c.name for c in table.columns], table.name


def test_the_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_upgrade_twice_is_a_no_op(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(Customer.__table__.insert().values(
            id=1, email="keep@example.com", name="Kept", country="UK", created_at=datetime(2026, 1, 1),
            newsletter=False))
    upgrade(url_of(engine))
    upgrade(url_of(engine))
    assert tables(engine) == TABLES | {"alembic_version"}
    assert version(engine) == [HEAD]
    with engine.connect() as conn:
        assert list(conn.scalars(select(Customer.email))) == ["keep@example.com"]


def test_downgrade_to_base_then_upgrade_again(engine: Engine) -> None:
    config = alembic_config(url_of(engine))
    command.downgrade(config, "base")
    assert tables(engine) == {"alembic_version"}
    assert version(engine) == []
    command.upgrade(config, "head")
    assert tables(engine) == TABLES | {"alembic_version"}
    assert version(engine) == [HEAD]


def test_alembic_config_keeps_percent_signs_in_the_url() -> None:
    url = "postgresql+psycopg://u:p%40ss@db/shop?options=-csearch_path%3Dx"
    config = alembic_config(url)
    assert config.get_main_option("sqlalchemy.url") == url
    assert Path(config.get_main_option("script_location")).is_dir()


def test_alembic_config_without_url_leaves_the_choice_to_database_url() -> None:
    assert alembic_config().get_main_option("sqlalchemy.url") is None


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_upgrade_without_url_migrates_database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   fresh_settings: None) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    url = f"sqlite:///{tmp_path / 'from-env.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    upgrade()
    engine = make_engine(url)
    try:
        assert tables(engine) == TABLES | {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_from_the_first_schema_keeps_existing_tickets(sqlite_file: tuple[str, Engine]) -> None:
    url, engine = sqlite_file
    config = alembic_config(url)
    command.upgrade(config, "0001")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO support_tickets (id, conversation_id, reason, priority, status, summary, created_at)"
            " VALUES (1, 'c1', 'complaint', 'high', 'pending', 'late parcel', '2026-11-01 10:00:00')"))
    command.upgrade(config, "head")
    with engine.connect() as conn:
        row = conn.execute(text("SELECT summary, assignee_id, claimed_at FROM support_tickets")).one()
    assert tuple(row) == ("late parcel", None, None)


def test_upgrade_of_a_seeded_sqlite_store_keeps_its_orders(sqlite_file: tuple[str, Engine]) -> None:
    """Later migrations rebuild the orders table on SQLite; rows that point at orders must survive."""
    url, engine = sqlite_file
    config = alembic_config(url)
    command.upgrade(config, "0002")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO customers (id, email, name, country, created_at, newsletter)"
                          " VALUES (1, 'a@example.com', 'A', 'UK', '2026-01-01 00:00:00', 0)"))
        conn.execute(text(
            "INSERT INTO orders (id, number, customer_id, email, status, placed_at, currency, total, ship_line1,"
            " ship_city, ship_postcode, ship_country) VALUES (1, '600001', 1, 'a@example.com', 'paid',"
            " '2026-11-01 10:00:00', 'GBP', 4.20, '1 High St', 'London', 'E1 1AA', 'United Kingdom')"))
        conn.execute(text("INSERT INTO payments (id, order_id, method, amount, status, created_at)"
                          " VALUES (1, 1, 'card', 4.20, 'captured', '2026-11-01 10:00:00')"))
    command.upgrade(config, "head")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT number FROM orders")).scalars().all() == ["600001"]
        assert conn.execute(text("SELECT order_id FROM payments")).scalars().all() == [1]
        assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
