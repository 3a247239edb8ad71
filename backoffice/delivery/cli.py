"""``python -m backoffice.delivery plan|add|window``: plan a day's vans, add an order, look up a window."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from backoffice.delivery.plan import DeliveryPlan


def _session(url: str | None) -> AbstractContextManager[Session]:
    from backoffice.config import get_settings
    from backoffice.db import make_engine, session_factory, session_scope

    return session_scope(session_factory(make_engine(url or get_settings().database_url)))


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a day (YYYY-MM-DD): {text!r}") from None


def cmd_plan(args: argparse.Namespace) -> int:
    from backoffice.delivery import build_plan

    with _session(args.database_url) as session:
        plan = build_plan(session, args.day, time_limit=args.time_limit)
    _report(plan, args.map, verbose=args.verbose)
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from backoffice.delivery import add_order

    with _session(args.database_url) as session:
        plan = add_order(session, args.day, args.order, time_limit=args.time_limit)
    _report(plan, args.map, verbose=args.verbose)
    return 0


def cmd_window(args: argparse.Namespace) -> int:
    from backoffice.delivery import current_window

    with _session(args.database_url) as session:
        window = current_window(session, args.order, args.today)
    print(f"order {args.order}: " + (window.describe() if window else "not on a van in any current plan"))
    return 0


def _report(plan: DeliveryPlan, map_path: Path | None, *, verbose: bool) -> None:
    from backoffice.delivery import plan_map, plan_summary

    print(f"Deliveries on {plan.day:%A %d %B %Y} from {plan.depot_name} ({plan.solver_status}):")
    for line in plan_summary(plan):
        print(f"  {line}")
    if verbose:
        for route in plan.routes:
            for stop in route.stops:
                print(f"    {route.name} #{stop.sequence:<2} order {stop.order_number}  eta {stop.eta:%H:%M}  "
                      f"window {stop.window_start:%H:%M}–{stop.window_end:%H:%M}")
    if map_path is not None:
        map_path.parent.mkdir(parents=True, exist_ok=True)
        map_path.write_bytes(plan_map(plan))
        print(f"map: {map_path}")


def parser() -> argparse.ArgumentParser:
    tomorrow = date.today() + timedelta(days=1)
    top = argparse.ArgumentParser(prog="python -m backoffice.delivery", description=__doc__)
    top.add_argument("--database-url", help="default: DATABASE_URL / the demo database")
    commands = top.add_subparsers(required=True, metavar="command")

    def with_plan_options(cmd: argparse.ArgumentParser) -> None:
        cmd.add_argument("--day", type=_day, default=tomorrow, help="YYYY-MM-DD (default: tomorrow)")
        cmd.add_argument("--time-limit", type=float, default=None, help="solver seconds (default: fleet.yml)")
        cmd.add_argument("--map", type=Path, default=None, help="also write the map PNG here")
        cmd.add_argument("-v", "--verbose", action="store_true", help="list every stop with its window")

    plan = commands.add_parser("plan", help="plan a day's deliveries from scratch and store the plan")
    with_plan_options(plan)
    plan.set_defaults(run=cmd_plan)
    add = commands.add_parser("add", help="add an order to a day's plan and re-plan (promised windows kept)")
    add.add_argument("order", help="order number")
    with_plan_options(add)
    add.set_defaults(run=cmd_add)
    window = commands.add_parser("window", help="the delivery window planned for an order")
    window.add_argument("order", help="order number")
    window.add_argument("--today", type=_day, default=date.today(), help="YYYY-MM-DD (default: today)")
    window.set_defaults(run=cmd_window)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a ValueError (including a refused order) becomes a one-line error and exit status 2."""
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
