"""Per-series model choice by a rolling-origin backtest, then the final fit on the whole history."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from backoffice.forecast.candidates import Candidate, Ensemble, ModelSettings, candidate_from_state, make_candidate


@dataclass(frozen=True)
class SelectionSettings:
    """How candidates are compared: ``n_windows`` forecasts of ``h`` periods, origins ``step`` periods apart.

    ``incumbent`` is the default model (the robust ``median`` combination): another candidate replaces it only if
    its backtest error is more than ``margin`` (relative, 0.4 = 40%) below the incumbent's. With ~14 candidates and
    3 short windows the plain minimum often picks a model that was lucky in the backtest (the winner's curse);
    the margin keeps the per-series choice for the clear wins only. ``margin=0`` is the plain backtest winner
    except that an exact tie goes to the incumbent; ``incumbent=None`` (or one not among ``models``) is exactly
    the plain winner. The default 0.4 was chosen on the Online Retail tuning cut-offs (README, forecasting).
    """

    models: tuple[str, ...]
    h: int = 8
    n_windows: int = 3
    step: int | None = None
    fallback: str = "historic_average"
    prophet_min_nonzero: float = 0.5
    nonnegative: bool = True
    top_k: int = 1
    incumbent: str | None = "median"
    margin: float = 0.4


@dataclass
class SeriesFit:
    """One series' chosen model (fitted state) and the backtest errors (mean absolute error) of every candidate."""

    unique_id: str
    model: str
    state: dict[str, Any]
    last_ds: pd.Timestamp
    period_days: int
    errors: dict[str, float] = field(default_factory=dict)


def future_dates(last: pd.Timestamp, h: int, period_days: int) -> pd.DatetimeIndex:
    """The ``h`` period starts after ``last``."""
    return pd.DatetimeIndex([last + pd.Timedelta(days=period_days * k) for k in range(1, h + 1)])


def run_forecast(
    candidate: Candidate, last: pd.Timestamp, h: int, level: float, period_days: int, nonnegative: bool
) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray, np.ndarray]:
    """Dates, mean, lower and upper bound; demand is never negative, and the mean stays inside its interval."""
    future = future_dates(last, h, period_days)
    mean, lo, hi = (np.asarray(a, dtype=float) for a in candidate.forecast(future, level))
    if nonnegative:
        mean, lo, hi = np.maximum(mean, 0), np.maximum(lo, 0), np.maximum(hi, 0)
    return future, mean, np.minimum(lo, mean), np.maximum(hi, mean)


def eligible(models: tuple[str, ...], y: np.ndarray, settings: SelectionSettings,
             pooled: dict[int, list[float]] | None = None) -> list[str]:
    """Candidates worth trying.

    Prophet only where at least ``prophet_min_nonzero`` of the periods sold, the pooled model only where it has a
    forecast from the whole history.
    """
    share = float(np.mean(y > 0)) if len(y) else 0.0
    return [m for m in models if (m != "prophet" or share >= settings.prophet_min_nonzero)
            and (m != "global" or len(y) in (pooled or {}))]


def backtest_errors(
    ds: pd.DatetimeIndex, y: np.ndarray, labels: list[str], models: ModelSettings, settings: SelectionSettings,
    pooled: dict[int, list[float]] | None = None,
) -> dict[str, float]:
    """Mean absolute error of each candidate over the rolling origins (inf where it could not run every window)."""
    h, step = settings.h, settings.step or settings.h
    models = replace(models, prophet_uncertainty_samples=0)  # only the mean is scored
    errors = {label: 0.0 for label in labels}
    cutoffs = [len(y) - h - k * step for k in range(settings.n_windows)]
    for cutoff in cutoffs:
        actual = y[cutoff : cutoff + h]
        for label in labels:
            candidate = make_candidate(label, models, pooled)
            if cutoff < max(candidate.min_length(), 2) or (label == "global" and cutoff not in (pooled or {})):
                errors[label] = math.inf
                continue
            if math.isinf(errors[label]):
                continue
            candidate.fit(ds[:cutoff], y[:cutoff])
            _, mean, _, _ = run_forecast(candidate, ds[cutoff - 1], h, 80, models.period_days, settings.nonnegative)
            errors[label] += float(np.mean(np.abs(actual - mean))) / len(cutoffs)
    return errors


def challenger_or_incumbent(errors: dict[str, float], labels: list[str], settings: SelectionSettings) -> list[str]:
    """The ``top_k`` candidates to use, best first, from the finite backtest errors.

    The smallest error wins (the candidate listed first on a tie); with one model to choose (``top_k=1``) the
    incumbent keeps its place unless the winner's error is below ``(1 - margin)`` times the incumbent's.
    """
    finite = {k: v for k, v in errors.items() if math.isfinite(v)}
    ranked = sorted(finite, key=lambda k: (finite[k], labels.index(k)))[: settings.top_k]
    incumbent = settings.incumbent
    if settings.top_k == 1 and ranked and incumbent in finite and ranked[0] != incumbent:
        if not finite[ranked[0]] < (1 - settings.margin) * finite[incumbent]:
            return [incumbent]
    return ranked


def fit_series(
    unique_id: str, ds: pd.DatetimeIndex, y: np.ndarray, models: ModelSettings, settings: SelectionSettings,
    pooled: dict[int, list[float]] | None = None,
) -> SeriesFit:
    """Choose a candidate by its backtest error (see ``challenger_or_incumbent``) and fit it on everything.

    ``pooled`` is the series' global-model paths per history length (see ``pooled.pooled_paths``).
    """
    labels = eligible(settings.models, y, settings, pooled)
    errors: dict[str, float] = {}
    if len(labels) > 1 and len(y) >= settings.h + 4:
        errors = backtest_errors(ds, y, labels, models, settings, pooled)
        ranked = challenger_or_incumbent(errors, labels, settings)
    else:
        ranked = [labels[0] if len(labels) == 1 else settings.fallback]
    ranked = [k for k in ranked if len(y) >= make_candidate(k, models, pooled).min_length()] or [settings.fallback]
    chosen = "+".join(ranked)
    candidate: Candidate = make_candidate(ranked[0], models, pooled)
    if len(ranked) > 1:
        candidate = Ensemble([make_candidate(k, models, pooled) for k in ranked])
    candidate.fit(ds, y)
    return SeriesFit(unique_id, chosen, candidate.to_state(), ds[-1], models.period_days, errors)


def forecast_series(
    fit: SeriesFit, h: int, levels: tuple[float, ...], nonnegative: bool, candidate: Candidate | None = None
) -> pd.DataFrame:
    """The ``h`` periods after the series' last date: yhat and one lo/hi pair per level."""
    candidate = candidate or candidate_from_state(fit.state)
    columns: dict[str, Any] = {}
    for level in levels:
        future, mean, lo, hi = run_forecast(candidate, fit.last_ds, h, level, fit.period_days, nonnegative)
        columns |= {"ds": future, "yhat": mean, f"yhat_lo_{level:g}": lo, f"yhat_hi_{level:g}": hi}
    return pd.DataFrame({"unique_id": fit.unique_id, **columns, "model": fit.model})
