"""Inventory formulas on a forecast distribution (each one checked by hand in the tests).

Demand per forecast period is taken as normal: mean ``yhat`` and standard deviation ``(yhat_hi - yhat_lo) /
(2 * z)`` read back from the central interval (80%: z = 1.2816). A week's demand is spread evenly over its seven
days, and days are treated as independent, so over a span of days the means add up and so do the variances.

* lead-time demand ``D_L`` over the supplier's lead time L (days from today): mean ``mu_L``, sd ``sigma_L``
* safety stock ``SS = z_SL * sigma_L`` with ``z_SL`` the standard normal quantile of the service level
  (95%: 1.645): the stock that covers demand above the mean during the lead time in that share of cycles
* reorder point ``ROP = mu_L + SS``: the service-level quantile of lead-time demand; reorder when the stock on
  hand (plus anything on order) is at or below it
* order-up-to level ``S = mu_{L+R} + z_SL * sigma_{L+R}`` over lead time plus review period R (the days until
  the next chance to order); suggested order ``Q = S - on hand - on order`` (never negative), rounded up to
  the supplier's pack size and at least the minimum order
* projected stock-out date: the first day on which the expected demand from today on exceeds the stock on hand
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np


def z_value(probability: float) -> float:
    """The standard normal quantile at ``probability`` (0.95 -> 1.645)."""
    if not 0 < probability < 1:
        raise ValueError("a service level is a probability between 0 and 1 (e.g. 0.95)")
    return NormalDist().inv_cdf(probability)


def sd_from_interval(lo: np.ndarray, hi: np.ndarray, level: float = 80) -> np.ndarray:
    """The normal standard deviation that gives the central ``level``% interval ``[lo, hi]``."""
    return (np.asarray(hi, float) - np.asarray(lo, float)) / (2 * z_value(0.5 + level / 200))


def span_demand(daily_mean: np.ndarray, daily_var: np.ndarray, days: int) -> tuple[float, float]:
    """Mean and standard deviation of the demand over the first ``days`` days."""
    return float(np.sum(daily_mean[:days])), float(math.sqrt(np.sum(daily_var[:days])))


def safety_stock(sigma: float, service_level: float) -> float:
    """``z_SL * sigma`` (never negative)."""
    return max(0.0, z_value(service_level) * sigma)


def reorder_point(mean: float, sigma: float, service_level: float) -> float:
    """``mean + z_SL * sigma``: the service-level quantile of lead-time demand."""
    return mean + safety_stock(sigma, service_level)


def order_quantity(up_to: float, on_hand: float, on_order: float = 0, pack_size: int = 1, minimum: int = 0) -> int:
    """Units to order to bring the position up to ``up_to``, in whole packs and at least ``minimum``."""
    need = up_to - on_hand - on_order
    if need <= 0:
        return 0
    pack = max(1, pack_size)
    return max(int(math.ceil(need / pack - 1e-9)) * pack, minimum)


def stockout_day(on_hand: float, daily_mean: np.ndarray) -> int | None:
    """Days from today until the expected cumulative demand exceeds ``on_hand`` (0: already out), or None."""
    if on_hand <= 0:
        return 0
    over = np.nonzero(np.cumsum(daily_mean) > on_hand)[0]
    return int(over[0]) if over.size else None
