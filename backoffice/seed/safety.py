"""Seeding wipes every table: only the development database, an empty one, or an explicit ``--force``."""

from __future__ import annotations

from sqlalchemy import Engine, func, inspect, select

from backoffice.models import Order


def orders_held(engine: Engine) -> int:
    """How many orders the database holds already (0 when it has no shop tables yet)."""
    if not inspect(engine).has_table(Order.__tablename__):
        return 0
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(Order)).scalar_one())


def refusal(url: str, *, development_url: str, env: str, orders: int) -> str | None:
    """Why seeding ``url`` would destroy data nobody asked to lose, or None when it may go ahead."""
    if env != "development":
        return f"SHOPDESK_ENV is {env}: seeding wipes the database; pass --force if that is really what you want"
    if url == development_url or orders == 0:
        return None
    return (f"this database already holds {orders} orders and is not the development database "
            "(var/shopdesk.db): seeding would wipe them; pass --force if that is really what you want")
