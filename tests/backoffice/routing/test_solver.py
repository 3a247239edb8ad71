"""Tiny instances whose optimal routes can be checked by hand, and infeasible ones that explain themselves."""

import pytest

from backoffice.routing import Problem, Result, SolverOptions, Stop, TimeWindow, Vehicle, euclidean_matrix, solve

FAST = SolverOptions(time_limit=0.5)


def line_problem(windows: dict[str, TimeWindow] | None = None, capacity: int = 10, vehicles: int = 1) -> Problem:
    """Depot at 0 and stops a, b, c at 1, 2, 3 on a line."""
    windows = windows or {}
    stops = [Stop(s, demand=1, window=windows.get(s)) for s in "abc"]
    dist = euclidean_matrix([(float(x), 0.0) for x in range(4)])
    fleet = [Vehicle(f"v{i}", capacity) for i in range(vehicles)]
    return Problem.build(stops=stops, vehicles=fleet, distances=dist, horizon=TimeWindow(0, 100))


def test_one_vehicle_on_a_line_goes_out_and_back() -> None:
    result = solve(line_problem(), FAST)
    assert result.is_feasible()
    assert result.distance == pytest.approx(6.0)
    assert result.vehicles_used == 1
    assert [r.stop_ids for r in result.routes if r.visits][0] in (["a", "b", "c"], ["c", "b", "a"])


def test_time_windows_force_the_far_stop_first() -> None:
    # c (at 3) must be served by t=3, so the only feasible order is c, b, a: still 6 long.
    problem = line_problem({"c": TimeWindow(0, 3), "a": TimeWindow(5, 100)})
    result = solve(problem, FAST)
    route = next(r for r in result.routes if r.visits)
    assert route.stop_ids == ["c", "b", "a"]
    assert [v.arrival for v in route.visits] == pytest.approx([3, 4, 5])
    assert result.is_feasible() and result.distance == pytest.approx(6.0)


def test_capacity_splits_two_clusters_between_two_vehicles() -> None:
    # Two pairs 10 north and 10 south; a vehicle holds two stops, so each pair gets its own vehicle.
    points = [(0.0, 0.0), (0.0, 10.0), (1.0, 10.0), (0.0, -10.0), (1.0, -10.0)]
    stops = [Stop(s, demand=1) for s in ("n1", "n2", "s1", "s2")]
    problem = Problem.build(
        stops=stops,
        vehicles=[Vehicle("v1", 2), Vehicle("v2", 2)],
        distances=euclidean_matrix(points),
        horizon=TimeWindow(0, 1000),
    )
    result = solve(problem, FAST)
    assert result.is_feasible() and result.vehicles_used == 2
    assert sorted(sorted(r.stop_ids) for r in result.routes if r.visits) == [["n1", "n2"], ["s1", "s2"]]
    assert result.distance == pytest.approx(2 * (10 + 1 + 101**0.5))
    assert all(r.load == 2 for r in result.routes)


def test_service_time_and_waiting_are_in_the_schedule() -> None:
    problem = Problem.build(
        stops=[Stop("a", service_time=5, window=TimeWindow(10, 20))],
        vehicles=[Vehicle("v", 1)],
        distances=[[0, 2], [2, 0]],
        horizon=TimeWindow(0, 100),
    )
    visit = solve(problem, FAST).routes[0].visits[0]
    assert (visit.arrival, visit.start, visit.departure) == (10, 10, 15)  # leaves at 8, no waiting on site


def test_too_heavy_stop_is_left_out_with_the_reason() -> None:
    problem = line_problem()
    problem = Problem.build(
        stops=[Stop("a", demand=3), Stop("big", demand=50), Stop("c", demand=3)],
        vehicles=problem.vehicles,
        distances=problem.distances,
        horizon=problem.horizon,
    )
    result = solve(problem, FAST)
    assert isinstance(result, Result) and not result.is_feasible()
    assert [(u.stop_id, u.reason) for u in result.unserved] == [
        ("big", "demand 50 exceeds the largest vehicle capacity 10")
    ]
    assert sorted(result.routes[0].stop_ids) == ["a", "c"]  # the rest is still planned
    assert "big (demand 50 exceeds" in result.summary()


def test_unreachable_window_and_late_return_are_explained() -> None:
    # "far" is 80 away but closes at 50; "late" starts at 95 at the earliest, 5 on site, 2 back: 102 > 100.
    problem = Problem.build(
        stops=[Stop("far", window=TimeWindow(0, 50)), Stop("late", window=TimeWindow(95, 99), service_time=5)],
        vehicles=[Vehicle("v", 10, shift=TimeWindow(0, 100))],
        distances=[[0, 80, 2], [80, 0, 80], [2, 80, 0]],
        horizon=TimeWindow(0, 200),
    )
    reasons = {u.stop_id: u.reason for u in solve(problem, FAST).unserved}
    assert reasons["far"] == "cannot be reached before its window closes at 50: the earliest arrival is 80"
    assert (
        reasons["late"]
        == "a vehicle serving it could not be back at the depot before its shift ends (at least 2 too late)"
    )


def test_fleet_too_small_names_the_shortfall() -> None:
    stops = [Stop(s, demand=6) for s in "abc"]
    problem = Problem.build(
        stops=stops,
        vehicles=[Vehicle("v", 10)],
        distances=euclidean_matrix([(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (3.0, 0.0)]),
        horizon=TimeWindow(0, 100),
    )
    result = solve(problem, FAST)
    assert result.vehicles_used == 1 and len(result.unserved) == 2
    assert {u.reason for u in result.unserved} == {"not enough room: the stops need 18 units, the fleet carries 10"}


def test_clashing_windows_leave_one_stop_out() -> None:
    problem = Problem.build(
        stops=[Stop(s, window=TimeWindow(10, 10), service_time=5) for s in "ab"],
        vehicles=[Vehicle("v", 10)],
        distances=[[0, 10, 10], [10, 0, 0], [10, 0, 0]],
        horizon=TimeWindow(0, 100),
    )
    result = solve(problem, FAST)
    assert len(result.routes[0].visits) == 1 and not result.is_feasible()
    assert result.unserved[0].reason.startswith("no vehicle has time for it")


def test_every_stop_impossible_still_gives_a_result() -> None:
    problem = Problem.build(
        stops=[Stop("a", demand=99)], vehicles=[Vehicle("v", 1)], distances=[[0, 1], [1, 0]], horizon=TimeWindow(0, 9)
    )
    result = solve(problem, FAST)
    assert result.status == "nothing to route" and result.distance == 0 and result.vehicles_used == 0
    assert not result.is_feasible()


def test_loads_that_cannot_be_packed_are_explained() -> None:
    # 7 + 7 + 6 = 20 units for two vans of 10: the total fits, but no two stops share a van.
    problem = Problem.build(
        stops=[Stop("a", demand=7), Stop("b", demand=7), Stop("c", demand=6)],
        vehicles=[Vehicle("v1", 10), Vehicle("v2", 10)],
        distances=euclidean_matrix([(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (3.0, 0.0)]),
        horizon=TimeWindow(0, 100),
    )
    result = solve(problem, FAST)
    assert len(result.unserved) == 1 and result.vehicles_used == 2
    assert result.unserved[0].reason.startswith("no vehicle has 6 units of room left")


def test_fixed_operator_order_and_other_gls_lambda_still_solve() -> None:
    options = SolverOptions(time_limit=0.5, gls_lambda=0.3, operator_bandit=False)
    result = solve(line_problem(), options)
    assert result.is_feasible() and result.distance == pytest.approx(6.0)


def test_operator_bandit_is_off_unless_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    import backoffice.routing.solver as solver

    seen: list[bool] = []
    original = solver.pywrapcp.RoutingModel.SolveWithParameters

    def spy(self, params):  # type: ignore[no-untyped-def]
        seen.append(params.use_multi_armed_bandit_concatenate_operators)
        return original(self, params)

    monkeypatch.setattr(solver.pywrapcp.RoutingModel, "SolveWithParameters", spy)
    solve(line_problem(), FAST)
    result = solve(line_problem(), SolverOptions(time_limit=0.5, operator_bandit=True))
    assert seen == [False, True]
    assert result.is_feasible() and result.distance == pytest.approx(6.0)


def test_parallel_searches_keep_the_best_plan_within_the_limit() -> None:
    # Two clusters and two vehicles with time windows: every search must find the same optimum.
    points = [(0.0, 0.0), (0.0, 10.0), (1.0, 10.0), (0.0, -10.0), (1.0, -10.0)]
    stops = [Stop(s, demand=1, window=TimeWindow(0, 50)) for s in ("n1", "n2", "s1", "s2")]
    problem = Problem.build(stops=stops, vehicles=[Vehicle("v1", 2), Vehicle("v2", 2)],
                            distances=euclidean_matrix(points), horizon=TimeWindow(0, 1000))
    options = SolverOptions(time_limit=3, workers=2)
    assert options.strategies() == ["PATH_CHEAPEST_ARC", "SAVINGS"]
    result = solve(problem, options)
    assert result.is_feasible() and result.vehicles_used == 2
    assert result.distance == pytest.approx(2 * (10 + 1 + 101**0.5))


def test_parallel_searches_still_explain_unserved_stops() -> None:
    problem = line_problem({"c": TimeWindow(0, 2)})  # c at distance 3 cannot be reached by t=2
    result = solve(problem, SolverOptions(time_limit=2, workers=2))
    assert [u.stop_id for u in result.unserved] == ["c"]
    assert result.distance == pytest.approx(4.0)


def test_ortools_gets_its_share_of_the_limit_then_string_removals_take_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import backoffice.routing.solver as solver

    limits: list[float] = []
    original = solver.pywrapcp.RoutingModel.SolveWithParameters

    def spy(self, params):  # type: ignore[no-untyped-def]
        limits.append(params.time_limit.ToMilliseconds() / 1000)
        return original(self, params)

    monkeypatch.setattr(solver.pywrapcp.RoutingModel, "SolveWithParameters", spy)
    result = solve(line_problem(), SolverOptions(time_limit=1.0, ortools_share=0.2))
    alone = solve(line_problem(), SolverOptions(time_limit=1.0, string_removals=False))
    assert limits[0] <= 0.2 and limits[1] > 0.9
    assert result.is_feasible() and alone.is_feasible()
    assert result.distance == pytest.approx(6.0) and alone.distance == pytest.approx(6.0)


def test_without_a_first_plan_from_ortools_the_string_removals_build_one(monkeypatch: pytest.MonkeyPatch) -> None:
    import backoffice.routing.solver as solver

    monkeypatch.setattr(solver.pywrapcp.RoutingModel, "SolveWithParameters", lambda self, params: None)
    problem = line_problem({"c": TimeWindow(0, 3), "a": TimeWindow(5, 100)})
    result = solve(problem, SolverOptions(time_limit=0.5))
    assert result.is_feasible() and result.distance == pytest.approx(6.0)
    assert result.status == "solved (first plan by cheapest insertion)"
    stuck = solve(problem, SolverOptions(time_limit=0.5, string_removals=False))
    assert not stuck.routes[0].visits and len(stuck.unserved) == 3


def test_the_ortools_share_must_be_a_fraction() -> None:
    for share in (0.0, 1.5):
        with pytest.raises(ValueError, match="share"):
            SolverOptions(ortools_share=share)
