"""Ruin and recreate with string removals (SISR), compiled with numba, to improve a plan OR-Tools found.

SISR is Christiaens & Vanden Berghe's "Slack Induction by String Removals" (Transportation Science, 2020):
each step removes a few strings of consecutive stops from routes near a random stop, puts the stops back one
by one at their cheapest feasible place (now and then "blinking" past a place, so the rebuild is not always
greedy), and keeps the new plan by a simulated-annealing rule whose temperature falls over the time limit.
Thousands of such small moves per second get out of the local optima where a guided local search stalls,
above all on tight time windows with many routes.

Times and distances stay floating point (no integer scaling), so every plan this module returns is feasible
in exact arithmetic: service starts inside its window, loads within capacity, every route inside its shift.
A stop that fits nowhere stays out of the plan at a cost larger than any route could save.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from numba import njit

from backoffice.routing.problem import Problem, Stop, TimeWindow, Vehicle

#: Average number of stops removed per step, and the longest string (the paper's c-bar and L-max).
MEAN_REMOVED = 10
MAX_STRING = 10
#: Chance to skip an insertion place ("blink"), and the split-string depth parameter (both the paper's).
BLINK = 0.01
SPLIT_DEPTH = 0.01
#: Start and end temperature, in units of the plan's mean arc length.
START_TEMPERATURE = 1.0
END_TEMPERATURE = 0.01
#: Steps per call into the compiled loop at first; then sized so one call takes about this many seconds.
FIRST_CHUNK = 100
CHUNK_SECONDS = 0.05
#: Seeds of parallel searches lie this far apart, so their random streams never overlap.
SEED_STRIDE = 1_000_003

Array = np.ndarray


@dataclass(frozen=True)
class Instance:
    """The arrays the compiled search works on (node 0 is the depot; ``active`` marks stops to route)."""

    dist: np.ndarray  # (n, n) float64
    travel: np.ndarray  # (n, n) float64
    info: np.ndarray  # (n, 3) float64: ready, due, service
    demand: np.ndarray  # (n,) int64
    capacity: np.ndarray  # (V,) int64
    shifts: np.ndarray  # (V, 2) float64: start, end
    active: np.ndarray  # (n,) bool
    neighbours: np.ndarray  # (n, n) int32, each row by increasing distance, the node itself first
    vehicle_cost: float
    penalty: float
    metric: bool  # travel times obey the triangle inequality (lets the insertion scan stop early)

    @classmethod
    def of(cls, problem: Problem, nodes: list[int], vehicle_cost: float = 0.0) -> Instance:
        """The arrays of ``problem`` with only ``nodes`` (matrix indices) to be routed."""
        n = len(problem.stops) + 1
        dist = np.asarray(problem.distances, dtype=np.float64)
        travel = np.asarray(problem.travel_times, dtype=np.float64)
        info = np.array(
            [(problem.window(i).start, problem.window(i).end, problem.service_time(i)) for i in range(n)],
            dtype=np.float64,
        )
        demand = np.array([problem.demand(i) for i in range(n)], dtype=np.int64)
        capacity = np.array([v.capacity for v in problem.vehicles], dtype=np.int64)
        shifts = np.array([(problem.shift(v).start, problem.shift(v).end) for v in range(len(problem.vehicles))])
        active = np.zeros(n, dtype=np.bool_)
        active[nodes] = True
        neighbours = np.argsort(dist + dist.T, axis=1, kind="stable").astype(np.int32)
        # The node itself first, whatever ties with zero-distance neighbours.
        for i in range(n):
            row = neighbours[i]
            at = int(np.flatnonzero(row == i)[0])
            row[1 : at + 1] = row[:at].copy()
            row[0] = i
        # Leaving a stop out must cost more than a whole plan: more than any saving it could make possible.
        penalty = (n + len(capacity) + 1) * (2.0 * float(dist.max()) + vehicle_cost + 1.0)
        return cls(dist, travel, info, demand, capacity, shifts.astype(np.float64).reshape(-1, 2), active,
                   neighbours, float(vehicle_cost), penalty, bool(_obeys_triangle(travel)))


class Search:
    """One SISR search from given routes; :meth:`run` improves until a deadline, :attr:`best` is the result."""

    def __init__(self, instance: Instance, routes: list[list[int]], seed: int = 0) -> None:
        self.instance = instance
        n, vehicles = len(instance.info), len(instance.capacity)
        self.routes = np.zeros((vehicles, n + 1), dtype=np.int32)
        self.length = np.zeros(vehicles, dtype=np.int32)
        if len(routes) != vehicles:
            raise ValueError(f"need one route per vehicle ({vehicles}), got {len(routes)}")
        placed = [node for route in routes for node in route]
        if len(set(placed)) != len(placed) or not all(0 < node < n and instance.active[node] for node in placed):
            raise ValueError("routes must hold each stop to route at most once, and nothing else")
        for v, route in enumerate(routes):
            self.length[v] = len(route)
            self.routes[v, : len(route)] = route
        self.best_routes, self.best_length = self.routes.copy(), self.length.copy()
        self.seed = seed
        self.steps = 0

    @property
    def best(self) -> list[list[int]]:
        """The best routes found, as matrix indices per vehicle."""
        return [[int(x) for x in self.best_routes[v, : self.best_length[v]]] for v in range(len(self.best_length))]

    def run(self, deadline: float) -> None:
        """Ruin and recreate until ``deadline`` (``time.monotonic``); the temperature falls to its end value."""
        began = time.monotonic()
        span = max(deadline - began, 1e-9)
        inst = self.instance
        state = _State.start(inst, self.routes, self.length)
        best_cost = math.inf
        if not state.length.any():  # nothing routed yet: one greedy rebuild first, so the plan has arcs to measure
            best_cost = self._chunk(state, 1, 1e-9, 1e-9, self.seed * SEED_STRIDE, best_cost)
        arc = max(state.mean_arc(), 1e-9)
        t0, t1 = START_TEMPERATURE * arc, END_TEMPERATURE * arc
        chunk = FIRST_CHUNK
        seed = self.seed * SEED_STRIDE
        while True:
            now = time.monotonic()
            if now >= deadline:
                break
            frac = (now - began) / span
            chunk_start = time.monotonic()
            # The temperature after this chunk, guessed from the chunk's expected length.
            frac_end = min(1.0, frac + CHUNK_SECONDS / span)
            best_cost = self._chunk(state, chunk, t0 * (t1 / t0) ** frac, t0 * (t1 / t0) ** frac_end, seed, best_cost)
            seed += 1
            took = time.monotonic() - chunk_start
            left = deadline - time.monotonic()
            per_step = took / chunk if took > 0 else 1e-6
            chunk = int(max(1, min(CHUNK_SECONDS, max(left, 0.0)) / per_step))

    def steps_now(self, count: int, temperature: float) -> None:
        """``count`` steps at a fixed temperature, whatever the clock says (tests and :func:`warm_up`)."""
        self._chunk(_State.start(self.instance, self.routes, self.length), count, temperature, temperature,
                    self.seed * SEED_STRIDE, math.inf)

    def _chunk(self, state: _State, count: int, t_from: float, t_to: float, seed: int, best_cost: float) -> float:
        inst = self.instance
        self.steps += count
        return float(_steps(
            count, t_from, t_to, seed, best_cost,
            inst.dist, inst.travel, inst.info, inst.demand, inst.capacity, inst.shifts, inst.active,
            inst.neighbours, inst.vehicle_cost, inst.penalty, inst.metric,
            state.routes, state.length, state.where, state.times, state.load, state.distance, state.absent,
            self.best_routes, self.best_length,
        ))


def warm_up() -> float:
    """Compile the search (cached on disk by numba, so later processes start at once); returns the seconds."""
    began = time.monotonic()
    problem = Problem.build(
        stops=[Stop("a", 1, 1.0, TimeWindow(0, 50)), Stop("b", 1)],
        vehicles=[Vehicle("v", 2)],
        distances=[[0, 1, 2], [1, 0, 1], [2, 1, 0]],
        horizon=TimeWindow(0, 100),
    )
    Search(Instance.of(problem, [1, 2]), [[1, 2]]).steps_now(1, 1.0)
    return time.monotonic() - began


@dataclass
class _State:
    """The current plan: routes, each stop's route and place, service start and latest start, route totals."""

    routes: np.ndarray
    length: np.ndarray
    where: np.ndarray  # (n, 2) int32: route, position (route -1: not in the plan)
    times: np.ndarray  # (n, 2) float64: service start, latest feasible service start
    load: np.ndarray  # (V,) int64
    distance: np.ndarray  # (V,) float64
    absent: np.ndarray  # (n,) bool: active stops in no route

    @classmethod
    def start(cls, inst: Instance, routes: np.ndarray, length: np.ndarray) -> _State:
        n, vehicles = len(inst.info), len(inst.capacity)
        state = cls(
            routes.copy(), length.copy(), np.full((n, 2), -1, dtype=np.int32), np.zeros((n, 2)),
            np.zeros(vehicles, dtype=np.int64), np.zeros(vehicles), inst.active.copy(),
        )
        for v in range(vehicles):
            _refresh(v, state.routes, state.length, state.where, state.times, state.load, state.distance,
                     inst.dist, inst.travel, inst.info, inst.demand, inst.shifts)
            state.absent[state.routes[v, : state.length[v]]] = False
        return state

    def mean_arc(self) -> float:
        """The plan's distance per arc travelled (the temperature's unit; left-out stops do not count)."""
        arcs = int(self.length.sum()) + int((self.length > 0).sum())
        return float(self.distance.sum()) / max(1, arcs)


@njit(cache=True)
def _obeys_triangle(travel: Array) -> bool:
    """True when no detour through a third node is quicker than the direct trip (up to rounding)."""
    n = travel.shape[0]
    for a in range(n):
        for b in range(n):
            direct = travel[a, b] - 1e-9 * (1.0 + travel[a, b])
            for c in range(n):
                if travel[a, c] + travel[c, b] < direct:
                    return False
    return True


@njit(cache=True)
def _refresh(r: int, routes: Array, length: Array, where: Array, times: Array, load: Array, distance: Array,
             dist: Array, travel: Array, info: Array, demand: Array, shifts: Array) -> None:
    """Recompute route ``r``'s places, earliest service starts, latest service starts, load and distance."""
    k = length[r]
    depart = shifts[r, 0]
    prev = 0
    d = 0.0
    q = 0
    for p in range(k):
        x = routes[r, p]
        where[x, 0] = r
        where[x, 1] = p
        s = max(depart + travel[prev, x], info[x, 0])
        times[x, 0] = s
        depart = s + info[x, 2]
        d += dist[prev, x]
        q += demand[x]
        prev = x
    if k > 0:
        d += dist[prev, 0]
    distance[r] = d
    load[r] = q
    late = shifts[r, 1]
    nxt = 0
    for p in range(k - 1, -1, -1):
        x = routes[r, p]
        late = min(info[x, 1], late - travel[x, nxt] - info[x, 2])
        times[x, 1] = late
        nxt = x


@njit(cache=True)
def _remove_marked(r: int, marked: Array, routes: Array, length: Array, where: Array) -> None:
    """Drop the marked stops from route ``r`` (their place becomes -1)."""
    k = length[r]
    w = 0
    for p in range(k):
        x = routes[r, p]
        if marked[x]:
            where[x, 0] = -1
            where[x, 1] = -1
        else:
            routes[r, w] = x
            w += 1
    length[r] = w


@njit(cache=True)
def _best_insertion(u: int, routes: Array, length: Array, times: Array, load: Array, dist: Array, travel: Array,
                    info: Array, demand: Array, capacity: Array, shifts: Array, vehicle_cost: float,
                    blink: float, metric: bool) -> tuple[int, int, float]:
    """The cheapest feasible (route, position, added cost) for stop ``u``; route -1 when it fits nowhere."""
    best_r, best_p, best = -1, -1, np.inf
    ready, due, service = info[u, 0], info[u, 1], info[u, 2]
    last_empty = -1
    for r in range(length.shape[0]):
        if load[r] + demand[u] > capacity[r]:
            continue
        k = length[r]
        if k == 0:
            # Identical empty vehicles are one choice: the last empty one tried stands for its twins.
            e = last_empty
            if e >= 0 and capacity[r] == capacity[e] and shifts[r, 0] == shifts[e, 0] and shifts[r, 1] == shifts[e, 1]:
                continue
            last_empty = r
            s = max(shifts[r, 0] + travel[0, u], ready)
            if s <= due and s + service + travel[u, 0] <= shifts[r, 1]:
                c = dist[0, u] + dist[u, 0] + vehicle_cost
                if c < best:
                    best_r, best_p, best = r, 0, c
            continue
        prev = 0
        depart = shifts[r, 0]
        for p in range(k + 1):
            if p < k:
                nxt = routes[r, p]
                late = times[nxt, 1]
            else:
                nxt = 0
                late = shifts[r, 1]
            s = depart + travel[prev, u]
            if s > due and (metric or depart > due):
                break  # every later place arrives later still
            if s < ready:
                s = ready
            if s <= due and s + service + travel[u, nxt] <= late and np.random.random() >= blink:
                c = dist[prev, u] + dist[u, nxt] - dist[prev, nxt]
                if c < best:
                    best_r, best_p, best = r, p, c
            if p < k:
                depart = times[nxt, 0] + info[nxt, 2]
                prev = nxt
    return best_r, best_p, best


@njit(cache=True)
def _insert(u: int, r: int, p: int, routes: Array, length: Array) -> None:
    """Put stop ``u`` at place ``p`` of route ``r``."""
    k = length[r]
    for i in range(k, p, -1):
        routes[r, i] = routes[r, i - 1]
    routes[r, p] = u
    length[r] = k + 1


@njit(cache=True)
def _total(length: Array, distance: Array, absent: Array, vehicle_cost: float, penalty: float) -> float:
    """The plan's cost: distance, a fixed cost per vehicle used, a penalty per stop left out."""
    c = 0.0
    for r in range(length.shape[0]):
        c += distance[r]
        if length[r] > 0:
            c += vehicle_cost
    for x in range(absent.shape[0]):
        if absent[x]:
            c += penalty
    return c


@njit(cache=True)
def _steps(count: int, temp_from: float, temp_to: float, seed: int, best_cost: float,
           dist: Array, travel: Array, info: Array, demand: Array, capacity: Array, shifts: Array, active: Array,
           neighbours: Array, vehicle_cost: float, penalty: float, metric: bool,
           routes: Array, length: Array, where: Array, times: Array, load: Array, distance: Array, absent: Array,
           best_routes: Array, best_length: Array) -> float:
    """``count`` ruin-and-recreate steps with simulated annealing; returns the best cost seen."""
    np.random.seed(seed)
    n = info.shape[0]
    vehicles = length.shape[0]
    saved_routes = routes.copy()
    saved_length = length.copy()
    touched = np.zeros(vehicles, dtype=np.bool_)
    marked = np.zeros(n, dtype=np.bool_)
    removed = np.empty(n, dtype=np.int64)
    was_absent = np.empty(n, dtype=np.int64)
    keys = np.empty(n, dtype=np.float64)

    current = _total(length, distance, absent, vehicle_cost, penalty)
    if current < best_cost:
        best_cost = current
        best_routes[:, :] = routes
        best_length[:] = length
    ratio = temp_to / temp_from
    for step in range(count):
        temperature = temp_from * ratio ** (step / count)
        # --- ruin: strings from up to ks routes near a random stop.
        n_removed = 0
        n_absent = 0
        for x in range(n):
            if absent[x]:
                was_absent[n_absent] = x
                n_absent += 1
        touched[:] = False
        served, used = 0, 0
        for r in range(vehicles):
            if length[r] > 0:
                served += length[r]
                used += 1
        if used > 0:
            mean_size = served / used
            ls_max = min(float(MAX_STRING), mean_size)
            ks_max = 4.0 * MEAN_REMOVED / (1.0 + ls_max) - 1.0
            ks = int(np.random.random() * ks_max) + 1
            seed_node = 1 + int(np.random.random() * (n - 1))
            while not active[seed_node]:
                seed_node = 1 + int(np.random.random() * (n - 1))
            strings = 0
            for j in range(n):
                if strings >= ks:
                    break
                c = neighbours[seed_node, j]
                if c == 0 or where[c, 0] < 0:
                    continue
                r = where[c, 0]
                if touched[r]:
                    continue
                k = length[r]
                saved_routes[r, :k] = routes[r, :k]
                saved_length[r] = k
                touched[r] = True
                strings += 1
                lt_max = min(float(k), ls_max)
                lt = int(np.random.random() * lt_max) + 1
                pc = where[c, 1]
                if np.random.random() < 0.5 or lt >= k:
                    lo = max(0, pc - lt + 1)
                    hi = min(pc, k - lt)
                    first = lo + int(np.random.random() * (hi - lo + 1))
                    for p in range(first, first + lt):
                        marked[routes[r, p]] = True
                        removed[n_removed] = routes[r, p]
                        n_removed += 1
                else:
                    m = 1
                    while lt + m < k and np.random.random() > SPLIT_DEPTH:
                        m += 1
                    span = lt + m
                    lo = max(0, pc - span + 1)
                    hi = min(pc, k - span)
                    first = lo + int(np.random.random() * (hi - lo + 1))
                    keep = first + int(np.random.random() * (lt + 1))
                    for p in range(first, first + span):
                        if keep <= p < keep + m:
                            continue
                        marked[routes[r, p]] = True
                        removed[n_removed] = routes[r, p]
                        n_removed += 1
                _remove_marked(r, marked, routes, length, where)
                _refresh(r, routes, length, where, times, load, distance, dist, travel, info, demand, shifts)
        for i in range(n_removed):
            marked[removed[i]] = False
        for i in range(n_absent):
            removed[n_removed] = was_absent[i]
            n_removed += 1
            absent[was_absent[i]] = False
        # --- recreate: in random, largest-demand, farthest or closest order; cheapest place with blinks.
        pick = np.random.random() * 11.0
        for i in range(n_removed):
            x = removed[i]
            if pick < 4.0:
                keys[i] = np.random.random()
            elif pick < 8.0:
                keys[i] = -demand[x] + 1e-3 * np.random.random()
            elif pick < 10.0:
                keys[i] = -dist[0, x]
            else:
                keys[i] = dist[0, x]
        order = np.argsort(keys[:n_removed])
        for i in range(n_removed):
            u = removed[order[i]]
            r, p, c = _best_insertion(u, routes, length, times, load, dist, travel, info, demand, capacity,
                                      shifts, vehicle_cost, BLINK, metric)
            if r < 0:
                absent[u] = True
                continue
            if not touched[r]:
                k = length[r]
                saved_routes[r, :k] = routes[r, :k]
                saved_length[r] = k
                touched[r] = True
            _insert(u, r, p, routes, length)
            _refresh(r, routes, length, where, times, load, distance, dist, travel, info, demand, shifts)
        candidate = _total(length, distance, absent, vehicle_cost, penalty)
        if candidate < current - temperature * np.log(np.random.random()):
            current = candidate
            if current < best_cost - 1e-9:
                best_cost = current
                best_routes[:, :] = routes
                best_length[:] = length
        else:
            for i in range(n_removed):
                u = removed[i]
                absent[u] = False
                where[u, 0] = -1
            for r in range(vehicles):
                if touched[r]:
                    k = saved_length[r]
                    routes[r, :k] = saved_routes[r, :k]
                    length[r] = k
                    _refresh(r, routes, length, where, times, load, distance, dist, travel, info, demand, shifts)
            for i in range(n_absent):
                absent[was_absent[i]] = True
                where[was_absent[i], 0] = -1
    return best_cost
