"""The decision threshold comes from an alert budget: how many orders staff can review per day."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np


def threshold_for_budget(scores_per_day: Mapping[Any, Iterable[float]] | Iterable[Iterable[float]],
                         reviews_per_day: float) -> float:
    """The lowest threshold at which ``score >= threshold`` flags at most ``reviews_per_day`` orders a day.

    The budget holds on average over the given days.

    ``scores_per_day`` holds each day's scores (a mapping day → scores, or a list of per-day lists). When even
    every order fits in the budget the threshold is the lowest score seen, so everything would be reviewed.
    """
    days = list(scores_per_day.values()) if isinstance(scores_per_day, Mapping) else list(scores_per_day)
    if not days:
        raise ValueError("scores_per_day is empty: need at least one day of scores")
    if not reviews_per_day > 0:
        raise ValueError("reviews_per_day must be positive")
    scores = np.sort(np.concatenate([np.asarray(list(day), dtype=float) for day in days]))[::-1]
    if scores.size == 0:
        raise ValueError("scores_per_day holds no scores")
    if not np.isfinite(scores).all():
        raise ValueError("scores must be finite numbers")
    allowed = int(np.floor(reviews_per_day * len(days) + 1e-9))
    if allowed >= scores.size:
        return float(scores[-1])
    return float(np.nextafter(scores[allowed], np.inf))


def alerts_per_day(scores_per_day: Mapping[Any, Iterable[float]], threshold: float) -> dict[Any, int]:
    """How many orders each day would be flagged at ``threshold``."""
    return {day: int(sum(1 for s in scores if s >= threshold)) for day, scores in scores_per_day.items()}
