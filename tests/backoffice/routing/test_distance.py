import pytest

from backoffice.routing import Stop, TimeWindow, Vehicle, euclidean_matrix, haversine_km, problem_from_coordinates
from backoffice.routing.distance import road_matrix, travel_minutes


def test_euclidean_unrounded_and_tsplib_rounded() -> None:
    points = [(0.0, 0.0), (1.0, 1.0), (3.0, 4.0)]
    assert euclidean_matrix(points)[0][1] == pytest.approx(2**0.5)
    assert euclidean_matrix(points)[0][2] == 5.0
    assert euclidean_matrix(points, rounded=True)[0][1] == 1.0
    assert euclidean_matrix([(0.0, 0.0), (1.5, 2.0)], rounded=True)[0][1] == 3.0  # 2.5 rounds up (nint)


def test_haversine_london_to_paris() -> None:
    assert haversine_km((51.5074, -0.1278), (48.8566, 2.3522)) == pytest.approx(343.5, abs=1.0)


def test_road_matrix_and_travel_time() -> None:
    km = road_matrix([(51.5, -0.1), (51.6, -0.1)], road_factor=1.5)
    assert km[0][1] == pytest.approx(1.5 * 11.12, rel=1e-3)
    assert travel_minutes(km, speed_kmh=30)[0][1] == pytest.approx(2 * km[0][1])
    with pytest.raises(ValueError, match="road factor"):
        road_matrix([(0, 0)], road_factor=0.9)
    with pytest.raises(ValueError, match="latitude"):
        road_matrix([(95, 0)])
    with pytest.raises(ValueError, match="speed"):
        travel_minutes(km, speed_kmh=0)


def test_problem_from_coordinates_uses_road_kilometres_and_minutes() -> None:
    problem = problem_from_coordinates(
        depot=(51.50, -0.10),
        stops=[(Stop("s1", demand=2), (51.51, -0.10))],
        vehicles=[Vehicle("van", 10)],
        horizon=TimeWindow(0, 600),
        road_factor=1.3,
        speed_kmh=30,
    )
    assert problem.distances[0][1] == pytest.approx(1.3 * 1.112, rel=1e-3)
    assert problem.travel_times[0][1] == pytest.approx(2 * problem.distances[0][1])
