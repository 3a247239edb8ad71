"""Delivery-routing benchmark: Solomon VRPTW and CVRPLIB gaps to the best-known values, plus a scaling run.

Every solution is re-checked here by an independent checker that parses the instance files itself (it shares
no code with ``backoffice.routing``): each customer exactly once, capacity, ready times, due dates, service
times, the depot's closing time, and the distance recomputed from the routes. Prints one JSON document.

    python scripts/bench_routing.py                  # all 56 Solomon at 10 s and 60 s, CVRP sets, scaling
    python scripts/bench_routing.py --quick          # 10 Solomon at 10 s, 10 CVRP at 2 s, scaling at 200 stops
    python scripts/bench_routing.py --data DIR       # data folder (default: ../shared/data/routing)
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from backoffice.routing import SolverOptions, read_cvrplib, read_solomon, solve  # noqa: E402
from backoffice.routing.sisr import warm_up  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "routing"
CLASSES = ("C1", "C2", "R1", "R2", "RC1", "RC2")
QUICK_SOLOMON = ("C101", "C201", "R101", "R105", "R201", "R205", "RC101", "RC105", "RC201", "RC205")
EPS = 1e-6


# ---------------------------------------------------------------- independent checker


@dataclass
class Instance:
    """What the checker knows about an instance, read straight from the file."""

    coords: dict[int, tuple[float, float]]
    demand: dict[int, int]
    ready: dict[int, float]
    due: dict[int, float]
    service: dict[int, float]
    depot: int
    capacity: int
    fleet: int
    rounded: bool


def load_solomon(path: Path) -> Instance:
    rows = [line.split() for line in path.read_text().splitlines()]
    rows = [r for r in rows if r]
    at = next(i for i, r in enumerate(rows) if r[0] == "VEHICLE")
    fleet, capacity = int(rows[at + 2][0]), int(rows[at + 2][1])
    inst = Instance({}, {}, {}, {}, {}, 0, capacity, fleet, rounded=False)
    for r in rows[at + 3 :]:
        if len(r) == 7 and r[0].isdigit():
            n = int(r[0])
            inst.coords[n] = (float(r[1]), float(r[2]))
            inst.demand[n], inst.ready[n], inst.due[n], inst.service[n] = (
                int(r[3]),
                float(r[4]),
                float(r[5]),
                float(r[6]),
            )
    return inst


def load_cvrplib(path: Path) -> Instance:
    inst = Instance({}, {}, {}, {}, {}, 0, 0, 0, rounded=True)
    section = ""
    for line in path.read_text().splitlines():
        parts = line.replace(":", " : ").split()
        if not parts or parts[0] == "EOF":
            continue
        if parts[0] == "CAPACITY":
            inst.capacity = int(parts[-1])
        elif parts[0] == "NAME":
            inst.fleet = int(parts[-1].rsplit("-k", 1)[1])
        elif parts[0].endswith("_SECTION"):
            section = parts[0]
        elif section == "NODE_COORD_SECTION":
            inst.coords[int(parts[0])] = (float(parts[1]), float(parts[2]))
        elif section == "DEMAND_SECTION":
            inst.demand[int(parts[0])] = int(parts[1])
        elif section == "DEPOT_SECTION" and int(parts[0]) > 0:
            inst.depot = int(parts[0])
    for n in inst.coords:
        inst.ready[n], inst.due[n], inst.service[n] = 0.0, math.inf, 0.0
    return inst


def check(inst: Instance, routes: list[list[int]]) -> tuple[list[str], float]:
    """Broken rules (empty when feasible) and the distance recomputed from the routes."""

    def d(a: int, b: int) -> float:
        (ax, ay), (bx, by) = inst.coords[a], inst.coords[b]
        e = math.sqrt((ax - bx) ** 2 + (ay - by) ** 2)
        return float(int(e + 0.5)) if inst.rounded else e

    errors: list[str] = []
    seen: list[int] = []
    total = 0.0
    for k, route in enumerate(routes):
        if not route:
            continue
        load, t, prev = 0, inst.ready[inst.depot], inst.depot
        for c in route:
            if c not in inst.coords or c == inst.depot:
                errors.append(f"route {k}: unknown customer {c}")
                break
            total += d(prev, c)
            t = max(t + inst.service[prev] + d(prev, c), inst.ready[c])
            if t > inst.due[c] + EPS:
                errors.append(f"route {k}: customer {c} served at {t:.3f} after its due date {inst.due[c]:g}")
            load += inst.demand[c]
            prev = c
        else:
            total += d(prev, inst.depot)
            back = t + inst.service[prev] + d(prev, inst.depot)
            if back > inst.due[inst.depot] + EPS:
                errors.append(f"route {k}: back at the depot at {back:.3f}, after it closes")
            if load > inst.capacity:
                errors.append(f"route {k}: load {load} > capacity {inst.capacity}")
        seen += route
    customers = set(inst.coords) - {inst.depot}
    if sorted(seen) != sorted(customers):
        missing, twice = customers - set(seen), {c for c in seen if seen.count(c) > 1}
        errors.append(f"customers missing {sorted(missing)[:10]}, served twice {sorted(twice)[:10]}")
    used = sum(1 for r in routes if r)
    if used > inst.fleet:
        errors.append(f"{used} routes, fleet has {inst.fleet}")
    return errors, total


# ---------------------------------------------------------------- runs


def routes_of(result: Any) -> list[list[int]]:
    return [[int(s) for s in r.stop_ids] for r in result.routes if r.visits]


def cpu_seconds() -> float:
    """CPU time of this process and of the finished parallel searches it started."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def run_one(path: Path, kind: str, seconds: float, workers: int = 1, *, baseline: bool = False) -> dict[str, Any]:
    """Solve and check one instance; ``baseline`` is OR-Tools' guided local search alone (no string removals)."""
    problem = read_solomon(path) if kind == "solomon" else read_cvrplib(path)
    cpu = cpu_seconds()
    result = solve(problem, SolverOptions(time_limit=seconds, workers=workers, string_removals=not baseline))
    cpu = cpu_seconds() - cpu
    inst = load_solomon(path) if kind == "solomon" else load_cvrplib(path)
    errors, distance = check(inst, routes_of(result))
    return {
        "instance": path.stem,
        "distance": round(distance, 3),
        "solver_distance": round(result.distance, 3),
        "vehicles": result.vehicles_used,
        "feasible": not errors,
        "solver_says_feasible": result.is_feasible(),
        "errors": errors[:5],
        "seconds": round(result.seconds, 2),
        "cpu_seconds": round(cpu, 2),
    }


def solomon_run(data: Path, names: list[str], seconds: float, bks: dict[str, dict[str, str]],
                workers: int = 1, *, baseline: bool = False) -> dict[str, Any]:
    rows = []
    label = "baseline (OR-Tools GLS alone)" if baseline else "Solomon"
    for name in tqdm(names, desc=f"{label} {seconds:g} s", file=sys.stderr):
        row = run_one(data / "solomon_100" / f"{name}.txt", "solomon", seconds, workers, baseline=baseline)
        best = bks[name]
        row["bks_distance_only"] = float(best["distance_only_bks_distance"])
        row["bks_vehicles_distance_only"] = int(best["distance_only_bks_vehicles"])
        row["gap"] = round(100 * (row["distance"] - row["bks_distance_only"]) / row["bks_distance_only"], 3)
        row["sintef_vehicles"] = int(best["sintef_vehicles"])
        row["gap_to_sintef_distance"] = round(100 * (row["distance"] / float(best["sintef_distance"]) - 1), 3)
        rows.append(row)
    method = "OR-Tools guided local search alone" if baseline else "OR-Tools first plan + string removals"
    return {"time_limit": seconds, "method": method, "summary": summarise(rows, classes=True), "instances": rows}


def summarise(rows: list[dict[str, Any]], *, classes: bool) -> dict[str, Any]:
    def block(group: list[dict[str, Any]]) -> dict[str, Any]:
        feasible = [r["gap"] for r in group if r["feasible"]] or [math.nan]
        return {
            "n": len(group),
            "mean_gap": round(statistics.fmean(feasible), 3),  # over feasible solutions only
            "max_gap": round(max(feasible), 3),
            "mean_vehicles": round(statistics.fmean(r["vehicles"] for r in group), 2),
            "infeasible": sum(not r["feasible"] for r in group),
            "mean_cpu_share": round(statistics.fmean(r["cpu_seconds"] / max(r["seconds"], 1e-9) for r in group), 2),
        }

    out = {"overall": block(rows)} if rows else {}
    if classes:
        for c in CLASSES:
            group = [r for r in rows if r["instance"][:-2] == c]
            if group:
                out[c] = block(group)
    else:
        for c in sorted({r["instance"].split("-")[0] for r in rows}):
            out[c] = block([r for r in rows if r["instance"].split("-")[0] == c])
    return out


def cvrp_run(data: Path, names: list[str] | None, seconds: float, workers: int = 1) -> dict[str, Any]:
    with (data / "bks" / "cvrp_ABEFMP_bks.csv").open() as f:
        bks = {r["instance"]: float(r["best_known_cost"]) for r in csv.DictReader(f)}
    files = sorted((data / "cvrp").glob("*/*.vrp"))
    if names is not None:
        files = [p for p in files if p.stem in names]
    rows = []
    for path in tqdm(files, desc=f"CVRP {seconds:g} s", file=sys.stderr):
        row = run_one(path, "cvrp", seconds, workers)
        row["bks"] = bks[path.stem]
        row["gap"] = round(100 * (row["distance"] - row["bks"]) / row["bks"], 3)
        rows.append(row)
    return {"time_limit": seconds, "summary": summarise(rows, classes=False), "instances": rows}


def generate(n: int, seed: int) -> str:
    """A Solomon-format RC-like instance with ``n`` customers on a grid grown with sqrt(n)."""
    rng = random.Random(seed)
    side = 100 * math.sqrt(n / 100)
    horizon = round(10 * side + 200)
    depot = (side / 2, side / 2)
    centres = [(rng.uniform(0, side), rng.uniform(0, side)) for _ in range(max(2, n // 25))]
    lines = [
        f"GEN{n}",
        "",
        "VEHICLE",
        "NUMBER     CAPACITY",
        f"  {n // 4}         200",
        "",
        "CUSTOMER",
        "CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME",
        "",
    ]
    lines.append(f"0 {depot[0]:.1f} {depot[1]:.1f} 0 0 {horizon} 0")
    for i in range(1, n + 1):
        if i % 2:
            cx, cy = rng.choice(centres)
            x, y = min(side, max(0.0, rng.gauss(cx, side / 30))), min(side, max(0.0, rng.gauss(cy, side / 30)))
        else:
            x, y = rng.uniform(0, side), rng.uniform(0, side)
        far = math.dist(depot, (x, y))
        width = rng.choice((60, 120, 240, 480))
        latest = max(far, horizon - 10 - far - width)
        ready = round(rng.uniform(far, latest))
        lines.append(f"{i} {x:.1f} {y:.1f} {rng.randint(1, 30)} {ready} {ready + width} 10")
    return "\n".join(lines) + "\n"


def scaling_run(sizes: list[int], seconds: float, workers: int = 1) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in tqdm(sizes, desc=f"scaling {seconds:g} s", file=sys.stderr):
            path = Path(tmp) / f"GEN{n}.txt"
            path.write_text(generate(n, seed=n))
            problem = read_solomon(path)
            started = time.monotonic()
            first = solve(problem, SolverOptions(time_limit=max(seconds, 120), metaheuristic="GREEDY_DESCENT",
                                                string_removals=False))
            descent = time.monotonic() - started
            row = run_one(path, "solomon", seconds, workers)
            row.update(
                stops=n, first_local_optimum_seconds=round(descent, 2), first_local_optimum=round(first.distance, 2)
            )
            row["improvement_pct"] = round(100 * (1 - row["distance"] / first.distance), 2)
            rows.append(row)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="routing data folder")
    parser.add_argument("--quick", action="store_true", help="10 Solomon at 10 s, 10 CVRP at 2 s, 200 stops at 30 s")
    parser.add_argument("--time-limits", type=float, nargs="+", default=[10.0, 60.0], help="Solomon seconds")
    parser.add_argument("--instances", nargs="+", help="Solomon instances (default: all 56)")
    parser.add_argument("--long-instances", nargs="+", help="Solomon instances for limits over 10 s (default: same)")
    parser.add_argument("--cvrp-time-limit", type=float, default=5.0)
    parser.add_argument("--scaling", type=int, nargs="*", default=[200, 500, 1000], help="generated sizes")
    parser.add_argument("--scaling-time-limit", type=float, default=120.0)
    parser.add_argument("--skip", nargs="*", default=[], choices=["solomon", "cvrp", "scaling"])
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    parser.add_argument("--workers", type=int, default=1, help="parallel searches per instance (one per core)")
    parser.add_argument("--baseline-limits", type=float, nargs="*", default=[10.0],
                        help="Solomon limits at which OR-Tools' guided local search alone also runs (default 10)")
    args = parser.parse_args()
    data = args.data.resolve()
    if not (data / "solomon_100").is_dir():
        parser.error(f"no routing data in {data} (see ../shared/data/routing/README.md); pass --data")
    with (data / "bks" / "solomon_100_bks.csv").open() as f:
        bks = {r["instance"]: r for r in csv.DictReader(f)}
    names = args.instances or (list(QUICK_SOLOMON) if args.quick else sorted(bks))
    limits = [10.0] if args.quick else args.time_limits
    report: dict[str, Any] = {"data": str(data), "workers": args.workers, "solomon": [], "baseline": [],
                              "cvrp": None, "scaling": None}
    # Compile the string-removal search before any clock starts (a fresh install pays this once, then numba's
    # on-disk cache loads it in well under a second).
    report["compile_seconds"] = round(warm_up(), 2)

    def save() -> None:  # after every part, so a long run can be read while it goes on
        if args.out:
            args.out.write_text(json.dumps(report, indent=1) + "\n")

    if "solomon" not in args.skip:
        for seconds in limits:
            subset = args.long_instances if seconds > 10 and args.long_instances else names
            report["solomon"].append(solomon_run(data, subset, seconds, bks, args.workers))
            save()
            if seconds in args.baseline_limits:
                report["baseline"].append(solomon_run(data, subset, seconds, bks, args.workers, baseline=True))
                save()
    if "cvrp" not in args.skip:
        quick = ["A-n32-k5", "A-n80-k10", "B-n31-k5", "B-n78-k10", "E-n51-k5", "E-n101-k8", "F-n72-k4",
                 "M-n101-k10", "P-n16-k8", "P-n101-k4"]  # fmt: skip
        report["cvrp"] = cvrp_run(data, quick if args.quick else None, 2.0 if args.quick else args.cvrp_time_limit,
                                  args.workers)
        save()
    if "scaling" not in args.skip and args.scaling:
        report["scaling"] = scaling_run(
            [200] if args.quick else args.scaling, 30.0 if args.quick else args.scaling_time_limit, args.workers
        )
    save()
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
