"""Solve a :class:`Problem`: OR-Tools finds a first plan, string removals (:mod:`.sisr`) improve it.

OR-Tools' model has capacity and time dimensions and the distance objective; it gets ``ortools_share`` of the
time limit (first solution, then its metaheuristic), and the string-removal search has the rest.

OR-Tools works on integers, so distances and times are multiplied by ``scale`` (1000 keeps three decimals of
Solomon's unrounded distances). Travel times are rounded up, windows inwards, so an integer-feasible plan is
feasible in exact arithmetic too; the result's figures are recomputed in floating point from the routes.
"""

from __future__ import annotations

import math
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from backoffice.routing.diagnose import lonely_reasons, unplaced_reason
from backoffice.routing.problem import Problem
from backoffice.routing.result import Result, Route, Unserved, schedule
from backoffice.routing.sisr import Instance, Search

FIRST_SOLUTIONS = ("PATH_CHEAPEST_ARC", "PARALLEL_CHEAPEST_INSERTION", "SAVINGS", "LOCAL_CHEAPEST_INSERTION")
#: The order in which parallel searches take first-solution strategies after the configured one.
PORTFOLIO = ("PATH_CHEAPEST_ARC", "SAVINGS", "PARALLEL_CHEAPEST_INSERTION", "LOCAL_CHEAPEST_INSERTION")
METAHEURISTICS = ("GUIDED_LOCAL_SEARCH", "SIMULATED_ANNEALING", "TABU_SEARCH", "GREEDY_DESCENT")
# A dropped stop costs more than any route could save, so stops are only left out when they cannot fit.
DROP_PENALTY_FACTOR = 100
GLS_LAMBDA = 0.1
#: Seconds kept back from parallel searches for stopping their processes, so the whole call keeps its limit.
PORTFOLIO_WRAP_UP = 0.4


@dataclass(frozen=True)
class SolverOptions:
    """How to search: first solution, metaheuristic, integer scale, optional cost per vehicle used.

    ``gls_lambda`` weighs guided local search's arc penalties (OR-Tools' default is 0.1). ``operator_bandit``
    lets a multi-armed bandit pick the next local-search operator by its recent success instead of cycling
    through them in a fixed order. It is off by default: on ten Solomon instances it helped the many-route
    R1/RC1 instances but hurt C1 and the long-route R2/RC2 ones, and lost on average at 10 s and at 60 s
    (README, "Delivery routing").

    ``workers`` > 1 runs that many searches side by side in separate processes, each from a different first
    solution (``first_solution`` first, then :data:`PORTFOLIO`), within the same time limit, and keeps the best
    plan: on a machine with spare cores the limit buys more search.

    ``string_removals`` (on) hands OR-Tools' plan after ``ortools_share`` of the limit to the string-removal
    search for the rest; off, OR-Tools' metaheuristic has the whole limit. ``seed`` seeds that search (parallel
    searches take ``seed``, ``seed + 1``, ...).
    """

    time_limit: float = 10.0
    first_solution: str = "PATH_CHEAPEST_ARC"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    scale: int = 1000
    vehicle_cost: float = 0.0
    gls_lambda: float = GLS_LAMBDA
    operator_bandit: bool = False
    allow_unserved: bool = True
    log_search: bool = False
    workers: int = 1
    string_removals: bool = True
    ortools_share: float = 0.1
    seed: int = 0

    def __post_init__(self) -> None:
        if not (self.time_limit > 0 and math.isfinite(self.time_limit)):
            raise ValueError(f"time limit must be a positive number of seconds, got {self.time_limit}")
        if self.first_solution not in FIRST_SOLUTIONS:
            raise ValueError(f"first solution must be one of {FIRST_SOLUTIONS}, got {self.first_solution!r}")
        if self.metaheuristic not in METAHEURISTICS:
            raise ValueError(f"metaheuristic must be one of {METAHEURISTICS}, got {self.metaheuristic!r}")
        if self.scale < 1:
            raise ValueError(f"scale must be >= 1, got {self.scale}")
        if self.vehicle_cost < 0:
            raise ValueError(f"vehicle cost must be >= 0, got {self.vehicle_cost}")
        if not (self.gls_lambda > 0 and math.isfinite(self.gls_lambda)):
            raise ValueError(f"GLS lambda must be a positive number, got {self.gls_lambda}")
        if not 0 < self.ortools_share <= 1:
            raise ValueError(f"OR-Tools share must be in (0, 1], got {self.ortools_share}")
        if not 1 <= self.workers <= len(FIRST_SOLUTIONS):
            raise ValueError(f"workers must be between 1 and {len(FIRST_SOLUTIONS)}, got {self.workers}")

    def strategies(self) -> list[str]:
        """The first-solution strategy of each parallel search."""
        order = [self.first_solution, *(s for s in PORTFOLIO if s != self.first_solution)]
        return order[: self.workers]


def solve(problem: Problem, options: SolverOptions | None = None, *, time_limit: float | None = None) -> Result:
    """The best plan found within the time limit; stops that cannot be served come back with the reason."""
    opts = options or SolverOptions()
    if time_limit is not None:
        opts = SolverOptions(**{**opts.__dict__, "time_limit": time_limit})
    began = time.monotonic()
    lonely = lonely_reasons(problem)
    unserved = [Unserved(problem.node_ids[node], reason) for node, reason in sorted(lonely.items())]
    nodes = [node for node in range(1, len(problem.stops) + 1) if node not in lonely]
    if not nodes:
        return Result(problem, _empty_routes(problem), tuple(unserved), "nothing to route", time.monotonic() - began)
    deadline = began + opts.time_limit
    if opts.workers > 1:
        routes, status = _portfolio(problem, nodes, opts, deadline)
    else:
        routes, status = _search(problem, nodes, opts, deadline)
    if routes is None:
        why = "no plan found within the time limit (try a longer limit, or allow unserved stops)"
        unserved += [Unserved(problem.node_ids[node], why) for node in nodes]
        return Result(problem, _empty_routes(problem), tuple(unserved), status, time.monotonic() - began)
    served = {node for route in routes for node in route}
    loads = [sum(problem.demand(node) for node in route) for route in routes]
    for node in nodes:
        if node not in served:
            unserved.append(Unserved(problem.node_ids[node], unplaced_reason(problem, node, loads)))
    built = tuple(schedule(problem, v, route) for v, route in enumerate(routes))
    return Result(problem, built, tuple(unserved), status, time.monotonic() - began)


def _search(problem: Problem, nodes: list[int], opts: SolverOptions,
            deadline: float) -> tuple[list[list[int]] | None, str]:
    """OR-Tools for its share of the time, then string removals until ``deadline`` (shared ``time.monotonic``)."""
    model = _Model(problem, nodes, opts)
    left = max(deadline - time.monotonic(), 0.05)
    share = opts.ortools_share if opts.string_removals else 1.0
    routes = model.solve(left * share)
    if not opts.string_removals or (routes is not None and time.monotonic() >= deadline):
        return routes, model.status
    # Without a first plan from OR-Tools, the string removals build one by cheapest insertion from empty routes
    # (one greedy pass even when the time is up).
    start = routes if routes is not None else [[] for _ in problem.vehicles]
    search = Search(Instance.of(problem, nodes, opts.vehicle_cost), start, seed=opts.seed)
    search.run(deadline)
    status = model.status if routes is not None else "solved (first plan by cheapest insertion)"
    return search.best, status


def _portfolio(problem: Problem, nodes: list[int], opts: SolverOptions,
               deadline: float) -> tuple[list[list[int]] | None, str]:
    """``opts.workers`` searches in parallel processes; the plan serving the most stops, then the shortest, wins.

    Fresh interpreters (``spawn``), not forks: the caller may be a threaded web or action server.
    """
    context = multiprocessing.get_context("spawn")
    deadline -= PORTFOLIO_WRAP_UP
    searches = [
        replace(opts, first_solution=strategy, workers=1, seed=opts.seed + i)
        for i, strategy in enumerate(opts.strategies())
    ]
    with ProcessPoolExecutor(max_workers=len(searches), mp_context=context) as pool:
        outcomes = list(pool.map(_search, *zip(*[(problem, nodes, s, deadline) for s in searches], strict=True)))
    found = [(routes, status) for routes, status in outcomes if routes is not None]
    if not found:
        return None, outcomes[0][1]

    def rank(routes: list[list[int]]) -> tuple[int, float]:
        length = sum(schedule(problem, v, route).distance for v, route in enumerate(routes))
        return -sum(len(route) for route in routes), length

    return min(found, key=lambda outcome: rank(outcome[0]))


def _empty_routes(problem: Problem) -> tuple[Route, ...]:
    return tuple(schedule(problem, v, []) for v in range(len(problem.vehicles)))


def _time_matters(problem: Problem) -> bool:
    """False when no window or shift exists and no route could outlast the horizon (plain CVRP)."""
    if any(s.window for s in problem.stops) or any(v.shift for v in problem.vehicles):
        return True
    longest = sum(max(row) + problem.service_time(a) for a, row in enumerate(problem.travel_times))
    return longest > problem.horizon.end - problem.horizon.start


class _Model:
    """The OR-Tools model of ``problem`` restricted to ``nodes`` (matrix indices; 0, the depot, is implied)."""

    def __init__(self, problem: Problem, nodes: list[int], opts: SolverOptions) -> None:
        self.problem, self.nodes, self.opts = problem, [0, *nodes], opts
        self.status = "not solved"
        self.manager = pywrapcp.RoutingIndexManager(len(self.nodes), len(problem.vehicles), 0)
        self.routing = pywrapcp.RoutingModel(self.manager)
        self._arc_costs()
        self._capacity()
        if _time_matters(problem):
            self._time()
        if opts.allow_unserved:
            penalty = DROP_PENALTY_FACTOR * max(1, self._max_distance * len(self.nodes))
            for i in range(1, len(self.nodes)):
                self.routing.AddDisjunction([self.manager.NodeToIndex(i)], penalty)

    def _arc_costs(self) -> None:
        s, p = self.opts.scale, self.problem
        dist = [[round(p.distances[a][b] * s) for b in self.nodes] for a in self.nodes]
        self._max_distance = max(max(row) for row in dist)
        self.routing.SetArcCostEvaluatorOfAllVehicles(self.routing.RegisterTransitMatrix(dist))
        if self.opts.vehicle_cost:
            self.routing.SetFixedCostOfAllVehicles(round(self.opts.vehicle_cost * s))

    def _capacity(self) -> None:
        p = self.problem
        demands = [p.demand(node) for node in self.nodes]
        if not any(demands):
            return
        callback = self.routing.RegisterUnaryTransitVector(demands)
        self.routing.AddDimensionWithVehicleCapacity(callback, 0, [v.capacity for v in p.vehicles], True, "load")

    def _time(self) -> None:
        s, p = self.opts.scale, self.problem
        # Transit from a to b = service at a + travel a->b, rounded up so the integer plan is never optimistic.
        times = [
            [math.ceil((p.service_time(a) + p.travel_times[a][b]) * s - 1e-6) if a != b else 0 for b in self.nodes]
            for a in self.nodes
        ]
        horizon = math.floor(p.horizon.end * s + 1e-6)
        self.routing.AddDimension(self.routing.RegisterTransitMatrix(times), horizon, horizon, False, "time")
        dim = self.routing.GetDimensionOrDie("time")
        for i, node in enumerate(self.nodes[1:], start=1):
            window = p.window(node)
            dim.CumulVar(self.manager.NodeToIndex(i)).SetRange(
                math.ceil(window.start * s - 1e-6), math.floor(window.end * s + 1e-6)
            )
        for v in range(len(p.vehicles)):
            shift = p.shift(v)
            lo, hi = math.ceil(shift.start * s - 1e-6), math.floor(shift.end * s + 1e-6)
            dim.CumulVar(self.routing.Start(v)).SetRange(lo, hi)
            dim.CumulVar(self.routing.End(v)).SetRange(lo, hi)
            self.routing.AddVariableMinimizedByFinalizer(dim.CumulVar(self.routing.End(v)))

    def solve(self, seconds: float) -> list[list[int]] | None:
        """Routes as matrix indices per vehicle, or None when no plan was found."""
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, self.opts.first_solution)
        params.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, self.opts.metaheuristic)
        params.guided_local_search_lambda_coefficient = self.opts.gls_lambda
        params.use_multi_armed_bandit_concatenate_operators = self.opts.operator_bandit
        params.time_limit.FromMilliseconds(max(1, int(seconds * 1000)))
        params.log_search = self.opts.log_search
        solution = self.routing.SolveWithParameters(params)
        self.status = _STATUS.get(self.routing.status(), str(self.routing.status()))
        if solution is None:
            return None
        routes = []
        for v in range(len(self.problem.vehicles)):
            index, route = self.routing.Start(v), []
            index = solution.Value(self.routing.NextVar(index))
            while not self.routing.IsEnd(index):
                route.append(self.nodes[self.manager.IndexToNode(index)])
                index = solution.Value(self.routing.NextVar(index))
            routes.append(route)
        return routes


_STATUS = {
    0: "not solved",
    1: "solved",
    2: "solved (local optimum not reached)",
    3: "no solution found",
    4: "time limit reached without a solution",
    5: "invalid model",
    6: "infeasible",
    7: "optimal",
}
