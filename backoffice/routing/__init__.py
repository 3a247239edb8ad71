"""Delivery route planning (CVRPTW), OR-Tools plus a string-removal search: typed problem in, result out.

>>> from backoffice.routing import solve, read_solomon
>>> result = solve(read_solomon("C101.txt"), time_limit=10)   # doctest: +SKIP
"""

from backoffice.routing.cvrplib import parse_cvrplib, read_cvrplib
from backoffice.routing.distance import euclidean_matrix, haversine_km, problem_from_coordinates, road_matrix
from backoffice.routing.problem import Problem, Stop, TimeWindow, Vehicle
from backoffice.routing.result import Result, Route, Unserved, Visit
from backoffice.routing.solomon import parse_solomon, read_solomon
from backoffice.routing.solver import SolverOptions, solve

__all__ = [
    "Problem",
    "Result",
    "Route",
    "SolverOptions",
    "Stop",
    "TimeWindow",
    "Unserved",
    "Vehicle",
    "Visit",
    "euclidean_matrix",
    "haversine_km",
    "parse_cvrplib",
    "parse_solomon",
    "problem_from_coordinates",
    "read_cvrplib",
    "read_solomon",
    "road_matrix",
    "solve",
]
