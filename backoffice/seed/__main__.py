"""``python -m backoffice.seed [--database-url URL] [--today YYYY-MM-DD]``: rebuild the demo shop."""

from __future__ import annotations

import argparse
import sys
import time as clock
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from backoffice.seed import DEFAULT_SOURCE, demo_shoppers, seed
from backoffice.seed.safety import orders_held, refusal


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m backoffice.seed``: migrate, wipe and rebuild the demo shop."""
    from backoffice.config import Settings, get_settings
    from backoffice.db import make_engine, session_factory
    from backoffice.fraud.shop import model_path
    from backoffice.migrate import upgrade

    parser = argparse.ArgumentParser(prog="python -m backoffice.seed", description=main.__doc__)
    parser.add_argument("--database-url", help="default: DATABASE_URL or var/shopdesk.db")
    parser.add_argument(
        "--today", type=date.fromisoformat, help="YYYY-MM-DD (default: today); history ends the day before"
    )
    parser.add_argument("--force", action="store_true", help="wipe a database that is not the development one")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    settings = get_settings()
    url = args.database_url or settings.database_url
    started = clock.perf_counter()
    engine = make_engine(url)
    reason = refusal(url, development_url=Settings.model_fields["database_url"].default, env=settings.env,
                     orders=orders_held(engine))
    if reason is not None and not args.force:
        engine.dispose()
        print(f"error: not seeding {engine.url.render_as_string(hide_password=True)}: {reason}", file=sys.stderr)
        return 2
    upgrade(url)
    try:
        with session_factory(engine)() as session:
            report = seed(session, source=args.source, today=args.today, progress=True, model_path=model_path())
            session.commit()
            shoppers = demo_shoppers(session)
    finally:
        engine.dispose()
    print(report.describe())
    print(f"seeded {engine.url.render_as_string(hide_password=True)} in {clock.perf_counter() - started:.1f} s")
    for shopper in shoppers:
        orders = ", ".join(f"{number} ({status})" for number, status in shopper.orders)
        print(f"demo shopper: {shopper.name} <{shopper.email}>, {shopper.country}; {shopper.why}: {orders}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
