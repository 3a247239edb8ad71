from backoffice.routing import Problem, Result, Stop, TimeWindow, Vehicle
from backoffice.routing.result import schedule


def problem() -> Problem:
    return Problem.build(
        stops=[Stop("a", demand=4, window=TimeWindow(0, 5)), Stop("b", demand=4, window=TimeWindow(0, 5))],
        vehicles=[Vehicle("v", 5, shift=TimeWindow(0, 8))],
        distances=[[0, 3, 3], [3, 0, 3], [3, 3, 0]],
        horizon=TimeWindow(0, 100),
    )


def test_is_feasible_catches_capacity_windows_and_shifts() -> None:
    p = problem()
    result = Result(p, (schedule(p, 0, [1, 2]),))
    assert not result.is_feasible()
    assert "vehicle v carries 8 > capacity 5" in result.violations
    assert "stop b served at 6.00, outside 0..5" in result.violations
    assert "vehicle v works 0.00..9.00, outside its shift 0..8" in result.violations
    assert "violations:" in result.summary()


def test_missing_and_twice_served_stops_are_violations() -> None:
    p = problem()
    result = Result(p, (schedule(p, 0, [1, 1]),))
    assert "stop a served 2 times" in result.violations
    assert "stop b is neither served nor reported unserved" in result.violations


def test_a_good_plan_is_feasible_and_costs_its_distance() -> None:
    p = Problem.build(
        stops=[Stop("a", demand=4, window=TimeWindow(0, 5))],
        vehicles=[Vehicle("v", 5, shift=TimeWindow(0, 8))],
        distances=[[0, 3], [3, 0]],
        horizon=TimeWindow(0, 100),
    )
    result = Result(p, (schedule(p, 0, [1]),))
    assert result.is_feasible() and result.cost() == 6 and result.vehicles_used == 1
