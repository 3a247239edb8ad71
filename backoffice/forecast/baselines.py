"""Simple forecasting models on one numeric series (numpy only).

Each model is fitted on the values alone (regular periods, oldest first) and forecasts a mean path plus a
standard deviation per step, from its one-step in-sample errors; intervals are Gaussian around the mean.
Every model serialises to a small JSON-able dict (``to_state`` / ``from_state``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

FloatArray = np.ndarray


def _sd(errors: FloatArray) -> float:
    """Root mean square of the finite errors (0 when there are none)."""
    errors = errors[np.isfinite(errors)]
    return float(np.sqrt(np.mean(errors**2))) if errors.size else 0.0


@dataclass
class Baseline(ABC):
    """Base class: ``fit(y)`` stores what the forecast needs, ``predict(h)`` returns (mean, sd) arrays."""

    name: ClassVar[str] = "baseline"
    sigma: float = 0.0

    def min_length(self) -> int:
        """The shortest history this model can be fitted on."""
        return 1

    @abstractmethod
    def fit(self, y: FloatArray) -> Baseline:
        """Learn from the history ``y``; returns self."""

    @abstractmethod
    def predict(self, h: int) -> tuple[FloatArray, FloatArray]:
        """Mean and standard deviation for the next ``h`` periods."""

    def to_state(self) -> dict[str, Any]:
        """The fitted state as plain JSON values."""
        state = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in self.__dict__.items()}
        return {"model": self.name, **state}


@dataclass
class Naive(Baseline):
    """Last value carried forward (the random walk); sd grows with the square root of the horizon."""

    name: ClassVar[str] = "naive"
    last: float = 0.0

    def min_length(self) -> int:
        return 2

    def fit(self, y: FloatArray) -> Naive:
        self.last = float(y[-1])
        self.sigma = _sd(np.diff(y))
        return self

    def predict(self, h: int) -> tuple[FloatArray, FloatArray]:
        steps = np.arange(1, h + 1)
        return np.full(h, self.last), self.sigma * np.sqrt(steps)


@dataclass
class SeasonalNaive(Baseline):
    """The value one season ago (e.g. the same week last year)."""

    name: ClassVar[str] = "seasonal_naive"
    season_length: int = 52
    season: list[float] = field(default_factory=list)

    def min_length(self) -> int:
        return self.season_length + 2

    def fit(self, y: FloatArray) -> SeasonalNaive:
        m = self.season_length
        self.season = [float(v) for v in y[-m:]]
        self.sigma = _sd(y[m:] - y[:-m])
        return self

    def predict(self, h: int) -> tuple[FloatArray, FloatArray]:
        m = self.season_length
        season = np.asarray(self.season)
        steps = np.arange(h)
        return season[steps % m], self.sigma * np.sqrt(steps // m + 1)


@dataclass
class WindowAverage(Baseline):
    """Mean of the last ``window`` periods (``window=0``: of the whole history), flat forecast."""

    name: ClassVar[str] = "window_average"
    window: int = 4
    level: float = 0.0

    def fit(self, y: FloatArray) -> WindowAverage:
        w = self.window if 0 < self.window < len(y) else len(y)
        self.level = float(np.mean(y[-w:]))
        if w < len(y):
            csum = np.concatenate([[0.0], np.cumsum(y)])
            fitted = (csum[w:-1] - csum[: len(y) - w]) / w
            self.sigma = _sd(y[w:] - fitted)
        else:
            self.sigma = _sd(y - self.level) * np.sqrt(1 + 1 / len(y))
        return self

    def predict(self, h: int) -> tuple[FloatArray, FloatArray]:
        return np.full(h, self.level), np.full(h, self.sigma)


def _smooth_grid(y: FloatArray, alphas: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Simple exponential smoothing for many alphas at once: (final levels, sum of squared one-step errors)."""
    level = np.full(alphas.shape, y[0], dtype=float)
    sse = np.zeros(alphas.shape)
    for value in y[1:]:
        error = value - level
        sse += error**2
        level = level + alphas * error
    return level, sse


@dataclass
class SES(Baseline):
    """Simple exponential smoothing with the smoothing weight chosen by least squares over a grid."""

    name: ClassVar[str] = "ses"
    alpha: float = 0.1
    level: float = 0.0

    def min_length(self) -> int:
        return 3

    def fit(self, y: FloatArray) -> SES:
        alphas = np.linspace(0.02, 0.98, 49)
        levels, sse = _smooth_grid(np.asarray(y, float), alphas)
        best = int(np.argmin(sse))
        self.alpha, self.level = float(alphas[best]), float(levels[best])
        self.sigma = float(np.sqrt(sse[best] / max(len(y) - 1, 1)))
        return self

    def predict(self, h: int) -> tuple[FloatArray, FloatArray]:
        steps = np.arange(h)
        return np.full(h, self.level), self.sigma * np.sqrt(1 + self.alpha**2 * steps)


@dataclass
class Theta(SES):
    """The standard Theta method (Assimakopoulos & Nikolopoulos 2000; Hyndman & Billah's SES with half drift)."""

    name: ClassVar[str] = "theta"
    drift: float = 0.0
    n: int = 0

    def fit(self, y: FloatArray) -> Theta:
        super().fit(y)
        t = np.arange(len(y), dtype=float)
        self.drift = float(np.polyfit(t, y, 1)[0]) / 2
        self.n = len(y)
        return self

    def predict(self, h: int) -> tuple[FloatArray, FloatArray]:
        mean, sd = super().predict(h)
        a = self.alpha
        return mean + self.drift * (np.arange(h) + (1 - (1 - a) ** self.n) / a), sd


@dataclass
class DampedTrend(Baseline):
    """Additive damped-trend exponential smoothing, ETS(A,Ad,N), parameters by least squares over a grid."""

    name: ClassVar[str] = "damped"
    alpha: float = 0.2
    beta: float = 0.05
    phi: float = 0.9
    level: float = 0.0
    trend: float = 0.0

    def min_length(self) -> int:
        return 8

    def fit(self, y: FloatArray) -> DampedTrend:
        y = np.asarray(y, float)
        a, b, p = np.meshgrid(np.linspace(0.05, 0.95, 10), [0.01, 0.05, 0.1, 0.2, 0.4], [0.8, 0.9, 0.95, 0.98])
        alpha, beta, phi = a.ravel(), (a * b).ravel(), p.ravel()
        level = np.full(alpha.shape, y[0])
        trend = np.full(alpha.shape, float(np.mean(np.diff(y[: min(len(y), 6)]))))
        sse = np.zeros(alpha.shape)
        for value in y[1:]:
            forecast = level + phi * trend
            error = value - forecast
            sse += error**2
            level = forecast + alpha * error
            trend = phi * trend + beta * error
        best = int(np.argmin(sse))
        self.alpha, self.beta, self.phi = float(alpha[best]), float(beta[best]), float(phi[best])
        self.level, self.trend = float(level[best]), float(trend[best])
        self.sigma = float(np.sqrt(sse[best] / max(len(y) - 1, 1)))
        return self

    def predict(self, h: int) -> tuple[FloatArray, FloatArray]:
        damp = np.cumsum(self.phi ** np.arange(1, h + 1))
        mean = self.level + damp * self.trend
        c = self.alpha * (1 + self.beta / self.alpha * np.concatenate([[0.0], damp[:-1]]))
        var = 1 + np.concatenate([[0.0], np.cumsum(c[1:] ** 2)])
        return mean, self.sigma * np.sqrt(var)


@dataclass
class Croston(Baseline):
    """Croston's method for intermittent demand; ``variant='sba'`` applies the Syntetos–Boylan correction."""

    name: ClassVar[str] = "croston"
    variant: str = "sba"
    alpha: float = 0.1
    rate: float = 0.0

    def fit(self, y: FloatArray) -> Croston:
        size = interval = 0.0
        since = 1
        fitted = np.full(len(y), np.nan)
        for i, value in enumerate(y):
            if interval:
                fitted[i] = size / interval
            if value > 0:
                if not interval:
                    size, interval = float(value), float(since)
                else:
                    size += self.alpha * (value - size)
                    interval += self.alpha * (since - interval)
                since = 1
            else:
                since += 1
        factor = 1 - self.alpha / 2 if self.variant == "sba" else 1.0
        self.rate = factor * size / interval if interval else 0.0
        self.sigma = _sd(y - factor * fitted)
        return self

    def predict(self, h: int) -> tuple[FloatArray, FloatArray]:
        return np.full(h, self.rate), np.full(h, self.sigma)


@dataclass
class TSB(Baseline):
    """Teunter–Syntetos–Babai: smooths the chance of a sale every period and the size when one happens."""

    name: ClassVar[str] = "tsb"
    alpha: float = 0.1
    beta: float = 0.1
    rate: float = 0.0

    def fit(self, y: FloatArray) -> TSB:
        nonzero = y[y > 0]
        prob = float(np.mean(y > 0))
        size = float(nonzero[0]) if nonzero.size else 0.0
        fitted = np.empty(len(y))
        for i, value in enumerate(y):
            fitted[i] = prob * size
            prob += self.beta * (float(value > 0) - prob)
            if value > 0:
                size += self.alpha * (value - size)
        self.rate = prob * size
        self.sigma = _sd(y - fitted)
        return self

    def predict(self, h: int) -> tuple[FloatArray, FloatArray]:
        return np.full(h, self.rate), np.full(h, self.sigma)


@dataclass
class Combination(Baseline):
    """The plain mean of SES, Theta and damped-trend forecasts (like the M4 "Comb" benchmark)."""

    name: ClassVar[str] = "combination"
    members: list[Baseline] = field(default_factory=lambda: [SES(), Theta(), DampedTrend()])

    def min_length(self) -> int:
        return max(m.min_length() for m in self.members)

    def fit(self, y: FloatArray) -> Combination:
        for member in self.members:
            member.fit(y)
        return self

    def predict(self, h: int) -> tuple[FloatArray, FloatArray]:
        paths = [member.predict(h) for member in self.members]
        return np.mean([p[0] for p in paths], axis=0), np.mean([p[1] for p in paths], axis=0)

    def to_state(self) -> dict[str, Any]:
        return {"model": self.name, "members": [m.to_state() for m in self.members]}


REGISTRY: dict[str, type[Baseline]] = {
    cls.name: cls for cls in (Naive, SeasonalNaive, WindowAverage, SES, Theta, DampedTrend, Croston, TSB, Combination)
}


def baseline_from_state(state: dict[str, Any]) -> Baseline:
    """Rebuild a fitted model from ``to_state()``."""
    values = dict(state)
    cls = REGISTRY[values.pop("model")]
    if cls is Combination:
        return Combination(members=[baseline_from_state(m) for m in values["members"]])
    return cls(**values)
