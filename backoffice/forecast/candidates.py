"""The models one series can be forecast with, behind one small interface, and how to rebuild them from JSON."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Protocol

import numpy as np
import pandas as pd

from backoffice.forecast import baselines as bl
from backoffice.forecast.pooled import PooledCandidate
from backoffice.forecast.prophet_model import ProphetModel

#: Every candidate label and what it is; the default candidate set is all of them.
DESCRIPTIONS = {
    "historic_average": "the mean of the whole history",
    "moving_average": "the mean of the last few periods",
    "naive": "last period's value",
    "seasonal_naive": "the value one season ago",
    "ses": "simple exponential smoothing",
    "theta": "the Theta method",
    "damped": "damped-trend exponential smoothing",
    "combination": "the mean of exponential smoothing, Theta and damped-trend forecasts",
    "croston": "Croston's method for intermittent demand",
    "sba": "Croston's method with the Syntetos-Boylan correction",
    "tsb": "the Teunter-Syntetos-Babai method for intermittent demand",
    "prophet": "Prophet (trend, seasonality, holidays and promotions)",
    "global": "one gradient-boosted model pooled across every series, on each series' own scale",
    "median": "the median of the historic average, 4-period mean, SES, TSB and global forecasts",
}
#: The members of the ``median`` candidate (the pooled model joins where it has a forecast).
MEDIAN_MEMBERS: tuple[str, ...] = ("historic_average", "moving_average", "ses", "tsb", "global")
DEFAULT_MODELS: tuple[str, ...] = tuple(DESCRIPTIONS)


class Candidate(Protocol):
    """What model selection needs from a model."""

    def min_length(self) -> int: ...

    def fit(self, ds: pd.DatetimeIndex, y: np.ndarray) -> Candidate: ...

    def forecast(self, future: pd.DatetimeIndex, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...

    def to_state(self) -> dict[str, Any]: ...


def z_score(level: float) -> float:
    """The standard normal quantile bounding a central ``level``% interval (80 -> 1.2816)."""
    return NormalDist().inv_cdf(0.5 + level / 200)


@dataclass
class BaselineCandidate:
    """A numpy baseline with Gaussian intervals around its mean path."""

    label: str
    model: bl.Baseline

    def min_length(self) -> int:
        return self.model.min_length()

    def fit(self, ds: pd.DatetimeIndex, y: np.ndarray) -> BaselineCandidate:
        self.model.fit(np.asarray(y, dtype=float))
        return self

    def forecast(self, future: pd.DatetimeIndex, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        mean, sd = self.model.predict(len(future))
        z = z_score(level)
        return mean, mean - z * sd, mean + z * sd

    def to_state(self) -> dict[str, Any]:
        return {"label": self.label, **self.model.to_state()}


@dataclass(frozen=True)
class ModelSettings:
    """Model settings shared by every series of one run."""

    period_days: int = 7
    season_length: int = 52
    window: int = 4
    events: pd.DataFrame | None = None
    prophet_max_history: int | None = 260
    prophet_changepoint_prior_scale: float = 0.05
    prophet_uncertainty_samples: int = 300


def make_candidate(label: str, settings: ModelSettings, pooled: dict[int, list[float]] | None = None) -> Candidate:
    """A fresh, unfitted candidate for ``label``; ``pooled`` holds the series' global-model paths."""
    match label:
        case "global":
            return PooledCandidate(paths=dict(pooled or {}))
        case "median":
            return Median([make_candidate(m, settings, pooled) for m in MEDIAN_MEMBERS])
        case "historic_average":
            return BaselineCandidate(label, bl.WindowAverage(window=0))
        case "moving_average":
            return BaselineCandidate(label, bl.WindowAverage(window=settings.window))
        case "naive":
            return BaselineCandidate(label, bl.Naive())
        case "seasonal_naive":
            return BaselineCandidate(label, bl.SeasonalNaive(season_length=settings.season_length))
        case "ses":
            return BaselineCandidate(label, bl.SES())
        case "theta":
            return BaselineCandidate(label, bl.Theta())
        case "damped":
            return BaselineCandidate(label, bl.DampedTrend())
        case "combination":
            return BaselineCandidate(label, bl.Combination())
        case "croston":
            return BaselineCandidate(label, bl.Croston(variant="classic"))
        case "sba":
            return BaselineCandidate(label, bl.Croston(variant="sba"))
        case "tsb":
            return BaselineCandidate(label, bl.TSB())
        case "prophet":
            return ProphetModel(
                period_days=settings.period_days,
                events=settings.events,
                max_history=settings.prophet_max_history,
                changepoint_prior_scale=settings.prophet_changepoint_prior_scale,
                uncertainty_samples=settings.prophet_uncertainty_samples,
            )
    raise ValueError(f"unknown model {label!r}; choose from {', '.join(DESCRIPTIONS)}")


@dataclass
class Ensemble:
    """The mean of several candidates' forecasts (and of their interval bounds)."""

    members: list[Candidate]

    def min_length(self) -> int:
        return max(m.min_length() for m in self.members)

    def fit(self, ds: pd.DatetimeIndex, y: np.ndarray) -> Ensemble:
        for member in self.members:
            member.fit(ds, y)
        return self

    def forecast(self, future: pd.DatetimeIndex, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        paths = [m.forecast(future, level) for m in self.members]
        mean, lo, hi = (np.mean([p[i] for p in paths], axis=0) for i in range(3))
        return mean, lo, hi

    def to_state(self) -> dict[str, Any]:
        return {"model": "ensemble", "members": [m.to_state() for m in self.members]}


@dataclass
class Median:
    """The median of its members' forecasts and of their interval bounds.

    A member that cannot be fitted on a history (the pooled model where it has no forecast for that history)
    is left out; the others still make the median.
    """

    members: list[Candidate]

    def min_length(self) -> int:
        return max(m.min_length() for m in self.members if not isinstance(m, PooledCandidate))

    def fit(self, ds: pd.DatetimeIndex, y: np.ndarray) -> Median:
        fitted = []
        for member in self.members:
            if len(y) < member.min_length():
                continue
            try:
                fitted.append(member.fit(ds, y))
            except ValueError:
                continue
        self.members = fitted
        return self

    def forecast(self, future: pd.DatetimeIndex, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        paths = [m.forecast(future, level) for m in self.members]
        mean, lo, hi = (np.median([p[i] for p in paths], axis=0) for i in range(3))
        return mean, lo, hi

    def to_state(self) -> dict[str, Any]:
        return {"model": "median", "members": [m.to_state() for m in self.members]}


def candidate_from_state(state: dict[str, Any]) -> Candidate:
    """Rebuild a fitted candidate from its ``to_state()``."""
    if state["model"] == "ensemble":
        return Ensemble([candidate_from_state(m) for m in state["members"]])
    if state["model"] == "median":
        return Median([candidate_from_state(m) for m in state["members"]])
    if state["model"] == "global":
        return PooledCandidate.from_state(state)
    if state["model"] == "prophet":
        return ProphetModel.from_state(state)
    values = dict(state)
    label = values.pop("label")
    return BaselineCandidate(label, bl.baseline_from_state(values))
