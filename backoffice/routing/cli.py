"""Command line: ``python -m backoffice.routing solve --solomon FILE --time-limit S --out JSON``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from backoffice.routing.cvrplib import read_cvrplib
from backoffice.routing.result import Result
from backoffice.routing.sisr import warm_up
from backoffice.routing.solomon import read_solomon
from backoffice.routing.solver import FIRST_SOLUTIONS, SolverOptions, solve


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m backoffice.routing", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("solve", help="solve one benchmark instance and write the routes as JSON")
    source = run.add_mutually_exclusive_group(required=True)
    source.add_argument("--solomon", type=Path, help="Solomon VRPTW file (Euclidean, unrounded distances)")
    source.add_argument("--cvrplib", type=Path, help="CVRPLIB .vrp file (distances rounded to integers)")
    run.add_argument("--time-limit", type=float, default=10.0, help="seconds of solving (default 10)")
    run.add_argument("--out", type=Path, help="write the JSON here (default: standard output)")
    run.add_argument("--vehicles", type=int, help="CVRPLIB fleet size (default: k from the instance name)")
    run.add_argument("--first-solution", choices=FIRST_SOLUTIONS, default=SolverOptions.first_solution)
    run.add_argument("--workers", type=int, choices=range(1, len(FIRST_SOLUTIONS) + 1), default=1, metavar="N",
                     help="parallel searches from different first solutions, best kept (one per spare core)")
    run.add_argument("--ortools-only", action="store_true",
                     help="guided local search for the whole limit, without the string-removal search")
    commands.add_parser("warm-up", help="compile the string-removal search once (numba caches it on disk)")
    return parser


def to_json(result: Result) -> dict[str, object]:
    """``{"routes": [[customer numbers]], "distance": float, "vehicles": int}`` plus feasibility details."""
    routes = [[_number(stop) for stop in route.stop_ids] for route in result.routes if route.visits]
    return {
        "routes": routes,
        "distance": result.distance,
        "vehicles": result.vehicles_used,
        "feasible": result.is_feasible(),
        "unserved": [{"stop": _number(u.stop_id), "reason": u.reason} for u in result.unserved],
        "violations": list(result.violations),
        "seconds": round(result.seconds, 3),
    }


def _number(stop_id: str) -> int | str:
    return int(stop_id) if stop_id.isdigit() else stop_id


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "warm-up":
        print(f"string-removal search compiled in {warm_up():.1f} s", file=sys.stderr)
        return 0
    if args.time_limit <= 0:
        print("--time-limit must be > 0 seconds", file=sys.stderr)
        return 2
    try:
        problem = read_solomon(args.solomon) if args.solomon else read_cvrplib(args.cvrplib, vehicles=args.vehicles)
    except (OSError, ValueError) as exc:
        print(f"cannot read the instance: {exc}", file=sys.stderr)
        return 2
    result = solve(problem, SolverOptions(time_limit=args.time_limit, first_solution=args.first_solution,
                                          workers=args.workers, string_removals=not args.ortools_only))
    text = json.dumps(to_json(result))
    if args.out:
        args.out.write_text(text + "\n")
    else:
        print(text)
    print(result.summary(), file=sys.stderr)
    return 0 if result.is_feasible() else 1


if __name__ == "__main__":
    raise SystemExit(main())
