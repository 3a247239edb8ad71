import pytest

from backoffice.routing import Problem, SolverOptions, Stop, TimeWindow, Vehicle


def test_time_window_must_not_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="starts after it ends"):
        TimeWindow(5, 1)


def test_nonsense_stops_and_vehicles_are_refused() -> None:
    with pytest.raises(ValueError, match="demand"):
        Stop("a", demand=-1)
    with pytest.raises(ValueError, match="service time"):
        Stop("a", service_time=-2)
    with pytest.raises(ValueError, match="non-empty"):
        Stop("")
    with pytest.raises(ValueError, match="capacity"):
        Vehicle("v", capacity=-5)


def test_problem_checks_matrix_shape_ids_and_fleet() -> None:
    horizon = TimeWindow(0, 10)
    with pytest.raises(ValueError, match="2x2"):
        Problem.build(stops=[Stop("a")], vehicles=[Vehicle("v", 1)], distances=[[0]], horizon=horizon)
    with pytest.raises(ValueError, match="unique"):
        Problem.build(
            stops=[Stop("a"), Stop("a")], vehicles=[Vehicle("v", 1)], distances=[[0] * 3] * 3, horizon=horizon
        )
    with pytest.raises(ValueError, match="at least one vehicle"):
        Problem.build(stops=[Stop("a")], vehicles=[], distances=[[0, 1], [1, 0]], horizon=horizon)
    with pytest.raises(ValueError, match="finite"):
        Problem.build(stops=[Stop("a")], vehicles=[Vehicle("v", 1)], distances=[[0, -1], [1, 0]], horizon=horizon)


def test_shift_is_clipped_to_the_depot_horizon() -> None:
    problem = Problem.build(
        stops=[Stop("a")],
        vehicles=[Vehicle("v", 1, shift=TimeWindow(-5, 50))],
        distances=[[0, 1], [1, 0]],
        horizon=TimeWindow(0, 20),
    )
    assert problem.shift(0) == TimeWindow(0, 20)
    assert problem.node("a") == 1
    with pytest.raises(ValueError, match="unknown stop"):
        problem.node("zz")


def test_solver_options_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="time limit"):
        SolverOptions(time_limit=0)
    with pytest.raises(ValueError, match="first solution"):
        SolverOptions(first_solution="MAGIC")
    with pytest.raises(ValueError, match="vehicle cost"):
        SolverOptions(vehicle_cost=-1)
    with pytest.raises(ValueError, match="GLS lambda"):
        SolverOptions(gls_lambda=0)
    with pytest.raises(ValueError, match="workers"):
        SolverOptions(workers=0)
