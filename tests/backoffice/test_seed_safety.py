"""Seeding refuses to wipe a shop's database by accident; logs never carry the values bound into SQL."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backoffice.db import make_engine
from backoffice.migrate import upgrade
from backoffice.models import Order
from backoffice.seed.__main__ import main as seed_main
from backoffice.seed.safety import orders_held, refusal
from tests.factories import build_store

DEV = "sqlite:////somewhere/var/shopdesk.db"


def test_the_development_database_or_an_empty_one_may_be_seeded() -> None:
    assert refusal(DEV, development_url=DEV, env="development", orders=5000) is None
    assert refusal("postgresql://shop@db/new", development_url=DEV, env="development", orders=0) is None


def test_a_database_holding_orders_or_any_production_database_is_refused() -> None:
    held = refusal("postgresql://shop@db/live", development_url=DEV, env="development", orders=12)
    assert held is not None and "12 orders" in held and "--force" in held
    production = refusal(DEV, development_url=DEV, env="production", orders=0)
    assert production is not None and "--force" in production


def test_seeding_a_shop_database_without_force_leaves_it_alone(session: Session, engine: Engine,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    build_store(session)
    session.commit()
    before = session.scalar(select(func.count()).select_from(Order))
    assert before and orders_held(engine) == before
    url = engine.url.render_as_string(hide_password=False)
    assert seed_main(["--database-url", url]) == 2
    assert "--force" in capsys.readouterr().err
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Order)) == before


def test_a_database_without_tables_holds_no_orders(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    assert orders_held(engine) == 0
    engine.dispose()


def test_sql_errors_do_not_carry_personal_data(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(url)
    engine = make_engine(url)
    insert = text("INSERT INTO customers (id, email, name, country, created_at) "
                  "VALUES (1, :email, 'Ada', 'UK', '2026-01-01')")  # fails: a NOT NULL column is missing
    with caplog.at_level(logging.INFO), pytest.raises(IntegrityError) as raised, engine.begin() as connection:
        connection.execute(insert, {"email": "ada.private@example.com"})
    engine.dispose()
    assert "ada.private@example.com" not in str(raised.value)
    assert "ada.private@example.com" not in caplog.text
