"""Rolling-window features in the style of the Fraud Detection Handbook, computed in one vectorised pass.

Input is a transaction table in the handbook's schema (``TRANSACTION_ID, TX_DATETIME, CUSTOMER_ID,
TERMINAL_ID, TX_AMOUNT`` and, where known, ``TX_FRAUD``). The shop uses the same schema with three entity
columns instead of ``TERMINAL_ID``: ``INSTRUMENT_ID``, ``DEVICE_ID`` and ``ADDRESS_ID``.

Label delay: an entity's risk over ``w`` days at time ``t`` counts the labelled transactions in
``(t - delay - w, t - delay]`` only; nothing newer than ``t - delay`` contributes a label. Rows whose
``TX_FRAUD`` is missing (not yet known) count in no risk window. Customer spending windows ``(t - w, t]``
include the current transaction (as in the handbook); habit features compare against the past only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DAY = 86_400
HOUR = 3_600
TIME = "TX_DATETIME"
AMOUNT = "TX_AMOUNT"
LABEL = "TX_FRAUD"
TX_ID = "TRANSACTION_ID"
SPIKE = 3.0  # an amount over SPIKE times the customer's habit counts as a spike (no label needed)
SPIKE_WINDOWS = (7, 14)
HABIT_LAGS = (7, 14)  # days: the amount is also compared with the habit window as it stood this long ago


@dataclass(frozen=True)
class FeatureSpec:
    """Which columns are the customer and the risk entities, the window lengths and the label delay (days)."""

    customer: str = "CUSTOMER_ID"
    entities: tuple[str, ...] = ("TERMINAL_ID",)
    windows: tuple[int, ...] = (1, 7, 30)
    delay_days: int = 7
    habit_days: int = 30

    def __post_init__(self) -> None:
        if not self.entities:
            raise ValueError("FeatureSpec needs at least one entity column")
        if any(w <= 0 for w in self.windows) or self.delay_days < 0 or self.habit_days <= 0:
            raise ValueError("windows and habit_days must be positive and delay_days non-negative")

    @property
    def required(self) -> tuple[str, ...]:
        """Columns an input table must have."""
        return (TX_ID, TIME, self.customer, *self.entities, AMOUNT)

    def names(self) -> list[str]:
        """Feature column names, in model order."""
        c, h = self.customer, self.habit_days
        cols = [AMOUNT, "TX_DURING_WEEKEND", "TX_DURING_NIGHT"]
        for w in self.windows:
            cols += [f"{c}_NB_TX_{w}DAY_WINDOW", f"{c}_AVG_AMOUNT_{w}DAY_WINDOW"]
        longest = max(self.windows)
        cols += [f"{c}_AVG_AMOUNT_{w}DAY_TO_{longest}DAY" for w in self.windows if w != longest]
        cols += [f"AMOUNT_TO_{c}_AVG_{h}DAY", f"AMOUNT_ZSCORE_{c}_{h}DAY",
                 *[f"AMOUNT_TO_{c}_AVG_{h}DAY_{lag}DAY_AGO" for lag in HABIT_LAGS],
                 f"AMOUNT_TO_{c}_USUAL_{h}DAY", f"{c}_SPIKE_SHARE_{h}DAY",
                 *[f"{c}_SPIKES_{w}DAY" for w in SPIKE_WINDOWS], f"{c}_NB_TX_1HOUR",
                 f"{c}_SECONDS_SINCE_PREV", f"{c}_RISK_{h}DAY_WINDOW"]
        for e in self.entities:
            for w in self.windows:
                cols += [f"{e}_NB_TX_{w}DAY_WINDOW", f"{e}_RISK_{w}DAY_WINDOW"]
            cols += [f"{e}_SAME_{c}_TX_{h}DAY", f"{e}_OTHER_{c}_TX_{h}DAY"]
        return cols


def check_columns(frame: pd.DataFrame, spec: FeatureSpec) -> None:
    """Raise ValueError naming the missing columns."""
    missing = [col for col in spec.required if col not in frame.columns]
    if missing:
        raise ValueError(f"missing column(s): {', '.join(missing)}")


def seconds(values: pd.Series) -> np.ndarray:
    """Datetimes (or strings) as int64 epoch seconds."""
    stamps = pd.to_datetime(values)
    return stamps.astype("datetime64[s]").astype("int64").to_numpy()


class _Grouped:
    """Rows sorted by (key, time, original order), with a composite value for window look-ups."""

    def __init__(self, keys: np.ndarray, t: np.ndarray, span: int) -> None:
        self.order = np.lexsort((np.arange(len(t)), t, keys))
        self.comp = keys[self.order].astype(np.int64) * span + t[self.order]
        self.pos = np.arange(len(t))

    def cumsum(self, values: np.ndarray) -> np.ndarray:
        return np.concatenate([[0.0], np.cumsum(values[self.order], dtype=np.float64)])

    def window(self, cum: np.ndarray, start: int, end: int | None) -> np.ndarray:
        """Per row (original order): sum over the same key with time in ``(t - start, t - end]``.

        ``end=None`` means up to and including the row itself; ``end=-1`` up to the row before it (ties by
        original order).
        """
        lo = np.searchsorted(self.comp, self.comp - start, side="right")
        if end is None:
            hi = self.pos + 1
        elif end == -1:
            hi = self.pos
        else:
            hi = np.searchsorted(self.comp, self.comp - end, side="right")
        out = np.empty(len(self.comp))
        out[self.order] = cum[hi] - cum[np.minimum(lo, hi)]
        return out


def _codes(*columns: pd.Series) -> np.ndarray:
    """One integer code per distinct key (tuple of columns)."""
    if len(columns) == 1:
        return pd.factorize(columns[0])[0].astype(np.int64)
    frame = pd.concat([c.reset_index(drop=True) for c in columns], axis=1)
    return frame.groupby(list(frame.columns), sort=False, dropna=False).ngroup().to_numpy().astype(np.int64)


def build_features(transactions: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """Feature table (index = row order of ``transactions``) for every row, using only its past.

    ``TX_FRAUD`` is optional; missing or NaN labels are treated as not yet known.
    """
    check_columns(transactions, spec)
    frame = transactions.reset_index(drop=True)
    n = len(frame)
    t = seconds(frame[TIME]) if n else np.zeros(0, dtype=np.int64)
    amount = frame[AMOUNT].astype(float).to_numpy()
    labels = frame[LABEL].astype(float).to_numpy() if LABEL in frame.columns else np.full(n, np.nan)
    known = (~np.isnan(labels)).astype(float)
    fraud = np.nan_to_num(labels, nan=0.0)
    ones = np.ones(n)
    d, h = spec.delay_days * DAY, spec.habit_days * DAY
    reach = max(spec.windows + (spec.habit_days,)) + spec.delay_days + max(HABIT_LAGS) + 2  # days any window looks back
    span = int((t.max() - t.min() if n else 0) + reach * DAY)
    c = spec.customer
    out: dict[str, np.ndarray] = {AMOUNT: amount}
    stamps = pd.to_datetime(frame[TIME])
    out["TX_DURING_WEEKEND"] = (stamps.dt.weekday >= 5).to_numpy().astype(float)
    out["TX_DURING_NIGHT"] = (stamps.dt.hour <= 6).to_numpy().astype(float)

    cust = _Grouped(_codes(frame[c]), t, span)
    c_ones, c_amount, c_known, c_fraud = cust.cumsum(ones), cust.cumsum(amount), cust.cumsum(known), cust.cumsum(fraud)
    for w in spec.windows:
        nb = cust.window(c_ones, w * DAY, None)
        out[f"{c}_NB_TX_{w}DAY_WINDOW"] = nb
        out[f"{c}_AVG_AMOUNT_{w}DAY_WINDOW"] = cust.window(c_amount, w * DAY, None) / np.maximum(nb, 1)
    longest = max(spec.windows)
    for w in spec.windows:
        if w != longest:
            out[f"{c}_AVG_AMOUNT_{w}DAY_TO_{longest}DAY"] = _ratio(
                out[f"{c}_AVG_AMOUNT_{w}DAY_WINDOW"], out[f"{c}_AVG_AMOUNT_{longest}DAY_WINDOW"])
    past_nb = cust.window(c_ones, h, -1)
    past_mean = cust.window(c_amount, h, -1) / np.maximum(past_nb, 1)
    past_sq = cust.window(cust.cumsum(amount * amount), h, -1) / np.maximum(past_nb, 1)
    past_std = np.sqrt(np.maximum(past_sq - past_mean**2, 0.0))
    out[f"AMOUNT_TO_{c}_AVG_{spec.habit_days}DAY"] = np.where(past_nb > 0, _ratio(amount, past_mean), np.nan)
    out[f"AMOUNT_ZSCORE_{c}_{spec.habit_days}DAY"] = np.where(
        past_nb > 1, (amount - past_mean) / (past_std + 1.0), np.nan)
    for lag in HABIT_LAGS:
        lag_nb = cust.window(c_ones, h + lag * DAY, lag * DAY)
        lag_mean = cust.window(c_amount, h + lag * DAY, lag * DAY) / np.maximum(lag_nb, 1)
        out[f"AMOUNT_TO_{c}_AVG_{spec.habit_days}DAY_{lag}DAY_AGO"] = np.where(
            lag_nb > 0, _ratio(amount, lag_mean), np.nan)
    spike = is_spike(amount, past_nb, past_mean)
    spikes = cust.cumsum(spike)
    for w in SPIKE_WINDOWS:
        out[f"{c}_SPIKES_{w}DAY"] = cust.window(spikes, w * DAY, -1)
    past_spikes = cust.window(spikes, h, -1)
    usual_nb = past_nb - past_spikes
    usual_mean = (cust.window(c_amount, h, -1) - cust.window(cust.cumsum(amount * spike), h, -1)) / np.maximum(
        usual_nb, 1)
    out[f"AMOUNT_TO_{c}_USUAL_{spec.habit_days}DAY"] = np.where(usual_nb > 0, _ratio(amount, usual_mean), np.nan)
    out[f"{c}_SPIKE_SHARE_{spec.habit_days}DAY"] = past_spikes / np.maximum(past_nb, 1)
    out[f"{c}_NB_TX_1HOUR"] = cust.window(c_ones, HOUR, None)
    out[f"{c}_SECONDS_SINCE_PREV"] = _since_previous(cust, t)
    out[f"{c}_RISK_{spec.habit_days}DAY_WINDOW"] = _risk(cust, c_known, c_fraud, h, d)

    for e in spec.entities:
        ent = _Grouped(_codes(frame[e]), t, span)
        e_known, e_fraud, e_ones = ent.cumsum(known), ent.cumsum(fraud), ent.cumsum(ones)
        for w in spec.windows:
            out[f"{e}_NB_TX_{w}DAY_WINDOW"] = ent.window(e_known, w * DAY + d, d)
            out[f"{e}_RISK_{w}DAY_WINDOW"] = _risk(ent, e_known, e_fraud, w * DAY, d)
        pair = _Grouped(_codes(frame[c], frame[e]), t, span)
        same = pair.window(pair.cumsum(ones), h, -1)
        out[f"{e}_SAME_{c}_TX_{spec.habit_days}DAY"] = same
        out[f"{e}_OTHER_{c}_TX_{spec.habit_days}DAY"] = ent.window(e_ones, h, -1) - same
    return pd.DataFrame(out, columns=spec.names())


def is_spike(amount: np.ndarray, past_nb: np.ndarray, past_mean: np.ndarray) -> np.ndarray:
    """1.0 where an amount is over ``SPIKE`` times the customer's past average (0 without a past)."""
    return ((past_nb > 0) & (amount > SPIKE * past_mean)).astype(float)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator``, NaN where the denominator is not positive."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1.0), np.nan)


def _risk(group: _Grouped, known: np.ndarray, fraud: np.ndarray, window: int, delay: int) -> np.ndarray:
    """Share of known frauds among the key's labelled rows in ``(t - delay - window, t - delay]``."""
    nb = group.window(known, window + delay, delay)
    frauds = group.window(fraud, window + delay, delay)
    return np.where(nb > 0, frauds / np.maximum(nb, 1), 0.0)


def _since_previous(group: _Grouped, t: np.ndarray) -> np.ndarray:
    """Seconds since the same key's previous row (NaN for its first)."""
    sorted_t = t[group.order]
    key = group.comp - sorted_t
    gap = np.full(len(t), np.nan)
    if len(t) > 1:
        same = key[1:] == key[:-1]
        gap[1:] = np.where(same, sorted_t[1:] - sorted_t[:-1], np.nan)
    out = np.empty(len(t))
    out[group.order] = gap
    return out
