from pathlib import Path

import pytest

from backoffice.routing import TimeWindow, parse_cvrplib, parse_solomon, read_cvrplib, read_solomon

DATA = Path(__file__).parent / "data"


def test_read_solomon_tiny() -> None:
    problem = read_solomon(DATA / "tiny3.txt")
    assert problem.name == "tiny3"
    assert [s.id for s in problem.stops] == ["1", "2", "3"]
    assert len(problem.vehicles) == 2 and problem.vehicles[0].capacity == 10
    assert problem.horizon == TimeWindow(0, 100)
    assert problem.stops[1].window == TimeWindow(0, 12) and problem.stops[1].service_time == 1
    assert problem.distances[0][2] == 10.0 and problem.travel_times is problem.distances
    assert problem.distances[1][3] == pytest.approx(10.0)


def test_read_cvrplib_tiny_rounds_distances_and_takes_k_from_the_name() -> None:
    problem = read_cvrplib(DATA / "tiny-n5-k2.vrp")
    assert [s.id for s in problem.stops] == ["2", "3", "4", "5"]
    assert [s.demand for s in problem.stops] == [5, 5, 4, 1]
    assert len(problem.vehicles) == 2
    assert problem.distances[0][4] == 1.0  # sqrt(2) rounds to 1
    assert problem.distances[3][4] == 6.0  # sqrt(41) = 6.4
    assert len(read_cvrplib(DATA / "tiny-n5-k2.vrp", vehicles=3).vehicles) == 3


def test_readers_refuse_other_text() -> None:
    with pytest.raises(ValueError, match="Solomon"):
        parse_solomon("hello\nworld\n")
    with pytest.raises(ValueError, match="CVRPLIB"):
        parse_cvrplib("NAME : x\nTYPE : CVRP\n")
    with pytest.raises(ValueError, match="EUC_2D"):
        parse_cvrplib("NAME : x\nEDGE_WEIGHT_TYPE : EXPLICIT\n")
