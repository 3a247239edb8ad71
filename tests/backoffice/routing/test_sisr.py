"""The string-removal search: it keeps every rule, finds optima a brute force confirms, and explains nothing away."""

import itertools
import random
import time

import pytest

from backoffice.routing import Problem, Result, Stop, TimeWindow, Vehicle, euclidean_matrix
from backoffice.routing.result import schedule
from backoffice.routing.sisr import Instance, Search, warm_up


def random_problem(n: int, seed: int, *, vehicles: int = 4, capacity: int = 10, width: float = 60.0) -> Problem:
    """``n`` stops on a 50 x 50 square with demands 1-4, windows ``width`` wide and 2 units of service."""
    rng = random.Random(seed)
    points = [(25.0, 25.0)] + [(rng.uniform(0, 50), rng.uniform(0, 50)) for _ in range(n)]
    stops = []
    for i in range(1, n + 1):
        ready = rng.uniform(0, 150)
        stops.append(Stop(f"s{i}", rng.randint(1, 4), 2.0, TimeWindow(ready, ready + width)))
    fleet = [Vehicle(f"v{k}", capacity) for k in range(vehicles)]
    return Problem.build(stops=stops, vehicles=fleet, distances=euclidean_matrix(points), horizon=TimeWindow(0, 300))


def result_of(problem: Problem, routes: list[list[int]]) -> Result:
    return Result(problem, tuple(schedule(problem, v, route) for v, route in enumerate(routes)))


def all_nodes(problem: Problem) -> list[int]:
    return list(range(1, len(problem.stops) + 1))


def brute_force(problem: Problem) -> float:
    """The shortest feasible plan over every order and every split into the fleet's routes."""
    n, fleet = len(problem.stops), len(problem.vehicles)
    best = float("inf")
    for order in itertools.permutations(range(1, n + 1)):
        for cuts in itertools.combinations_with_replacement(range(n + 1), fleet - 1):
            bounds = [0, *cuts, n]
            routes = [list(order[bounds[k] : bounds[k + 1]]) for k in range(fleet)]
            result = result_of(problem, routes)
            if not result.violations:
                best = min(best, result.distance)
    return best


def test_warm_up_compiles_and_returns_its_time() -> None:
    assert warm_up() >= 0


@pytest.mark.parametrize("seed", [3, 4])
def test_from_nothing_it_finds_the_brute_force_optimum(seed: int) -> None:
    problem = random_problem(6, seed=seed, vehicles=3, capacity=8, width=80)
    search = Search(Instance.of(problem, all_nodes(problem)), [[], [], []], seed=1)
    search.steps_now(3000, temperature=0.5)
    found = result_of(problem, search.best)
    assert found.is_feasible()
    assert found.distance == pytest.approx(brute_force(problem))


def test_every_plan_it_keeps_honours_windows_capacity_and_shifts() -> None:
    for seed in range(4):
        problem = random_problem(40, seed=seed, vehicles=12, capacity=12, width=40)
        start = [[] for _ in problem.vehicles]
        search = Search(Instance.of(problem, all_nodes(problem)), start, seed=seed)
        search.steps_now(400, temperature=1.0)
        found = result_of(problem, search.best)
        assert not found.violations, found.violations
        served = sorted(node for route in search.best for node in route)
        assert len(served) == len(set(served))


def test_it_shortens_a_poor_plan_without_dropping_stops() -> None:
    problem = random_problem(40, seed=7, vehicles=40, capacity=12, width=300)
    start = [[i] for i in all_nodes(problem)]
    before = result_of(problem, start).distance
    search = Search(Instance.of(problem, all_nodes(problem)), start, seed=2)
    search.steps_now(2000, temperature=1.0)
    after = result_of(problem, search.best)
    assert after.is_feasible()
    assert sorted(n for r in search.best for n in r) == all_nodes(problem)
    assert after.distance < 0.6 * before


def test_builds_a_full_plan_from_empty_routes() -> None:
    problem = random_problem(25, seed=11, vehicles=8, capacity=15, width=100)
    search = Search(Instance.of(problem, all_nodes(problem)), [[] for _ in problem.vehicles], seed=0)
    search.steps_now(50, temperature=1.0)
    assert sorted(n for r in search.best for n in r) == all_nodes(problem)
    assert not result_of(problem, search.best).violations


def test_a_stop_that_fits_nowhere_stays_out_and_the_rest_are_served() -> None:
    stops = [Stop("a", 1), Stop("b", 1), Stop("late", 1, window=TimeWindow(0, 1))]  # "late" is 5 away
    problem = Problem.build(
        stops=stops, vehicles=[Vehicle("v", 5)],
        distances=euclidean_matrix([(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (5.0, 0.0)]), horizon=TimeWindow(0, 100),
    )
    search = Search(Instance.of(problem, [1, 2, 3]), [[]], seed=0)
    search.steps_now(100, temperature=0.1)
    assert search.best == [[1, 2]] or search.best == [[2, 1]]


def test_only_the_big_van_can_take_both_stops_on_one_round() -> None:
    points = [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)]
    stops = [Stop("heavy", 8), Stop("light", 1)]
    fleet = [Vehicle("small", 2), Vehicle("big", 10)]
    problem = Problem.build(stops=stops, vehicles=fleet, distances=euclidean_matrix(points),
                            horizon=TimeWindow(0, 1000))
    # Two trips are 40 long, one round 34.1; only the big van holds 8 + 1.
    search = Search(Instance.of(problem, [1, 2]), [[2], [1]], seed=0)
    search.steps_now(200, temperature=0.1)
    assert search.best in ([[], [1, 2]], [[], [2, 1]])
    assert result_of(problem, search.best).distance == pytest.approx(20 + 200**0.5)


@pytest.mark.parametrize(("vehicle_cost", "routes_used"), [(0.0, 2), (20.0, 1)])
def test_a_cost_per_van_trades_distance_for_fewer_vans(vehicle_cost: float, routes_used: int) -> None:
    # Two stops 10 from the depot but 30 apart: two trips (40) are shorter than one round (50).
    problem = Problem.build(
        stops=[Stop("a", 1), Stop("b", 1)], vehicles=[Vehicle("v1", 5), Vehicle("v2", 5)],
        distances=[[0, 10, 10], [10, 0, 30], [10, 30, 0]], horizon=TimeWindow(0, 1000),
    )
    search = Search(Instance.of(problem, [1, 2], vehicle_cost), [[], []], seed=0)
    search.steps_now(200, temperature=0.1)
    assert sum(1 for route in search.best if route) == routes_used


def test_stops_outside_the_given_nodes_are_never_routed() -> None:
    problem = random_problem(10, seed=5, vehicles=4, capacity=20, width=300)
    search = Search(Instance.of(problem, [1, 2, 3, 4, 5]), [[] for _ in problem.vehicles], seed=0)
    search.steps_now(200, temperature=1.0)
    assert sorted(n for r in search.best for n in r) == [1, 2, 3, 4, 5]


def test_run_stops_at_its_deadline() -> None:
    problem = random_problem(30, seed=9, vehicles=10, capacity=15, width=100)
    search = Search(Instance.of(problem, all_nodes(problem)), [[] for _ in problem.vehicles], seed=0)
    search.run(time.monotonic() + 0.3)
    assert search.steps > 0
    assert sorted(n for r in search.best for n in r) == all_nodes(problem)


def test_a_full_van_between_two_different_empty_vans_does_not_hide_the_second() -> None:
    # A is big but its shift ends too soon to reach anyone; B and C are small twins that each take one stop.
    problem = Problem.build(
        stops=[Stop("x", 1), Stop("y", 1)],
        vehicles=[Vehicle("A", 10, TimeWindow(0, 5)), Vehicle("B", 1), Vehicle("C", 1)],
        distances=[[0, 10, 10], [10, 0, 30], [10, 30, 0]], horizon=TimeWindow(0, 100),
    )
    search = Search(Instance.of(problem, [1, 2]), [[], [], []], seed=0)
    search.steps_now(20, temperature=0.1)
    assert sorted(map(sorted, search.best)) == [[], [1], [2]]


def test_travel_times_that_break_the_triangle_inequality_still_find_the_place() -> None:
    # Depot -> a takes 50, but depot -> b -> a takes 2: a (due 10) fits only after b.
    travel = [[0, 50, 1], [50, 0, 1], [1, 1, 0]]
    problem = Problem.build(
        stops=[Stop("a", 1, window=TimeWindow(0, 10)), Stop("b", 1)], vehicles=[Vehicle("v", 5)],
        distances=[[0, 5, 5], [5, 0, 5], [5, 5, 0]], travel_times=travel, horizon=TimeWindow(0, 200),
    )
    instance = Instance.of(problem, [1, 2])
    assert not instance.metric
    search = Search(instance, [[2]], seed=0)
    search.steps_now(20, temperature=0.1)
    assert search.best == [[2, 1]]


def test_routes_must_hold_stops_to_route_once() -> None:
    problem = random_problem(5, seed=1, vehicles=2)
    instance = Instance.of(problem, [1, 2, 3])
    for routes in ([[1, 1], []], [[4], []], [[0], []], [[1]]):
        with pytest.raises(ValueError):
            Search(instance, routes)
