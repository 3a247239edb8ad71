"""The rolling state kept in memory, so one order's features cost a few binary searches (no database queries).

``RollingState`` holds, per customer, entity and (customer, entity) pair, the times, amounts and labels seen so
far, with running sums. ``features(tx)`` gives exactly the row ``features.build_features`` would give for ``tx``
as the newest transaction; ``observe(tx)`` then adds it, and ``set_label`` records a label that arrived later.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from backoffice.fraud.features import (
    AMOUNT,
    DAY,
    HABIT_LAGS,
    HOUR,
    LABEL,
    SPIKE,
    SPIKE_WINDOWS,
    TIME,
    TX_ID,
    FeatureSpec,
    check_columns,
)


class _Track:
    """One key's transactions in time order, with running sums (index 0 = nothing yet)."""

    __slots__ = ("times", "amount", "square", "known", "fraud", "labels", "spikes", "spike_amount")

    def __init__(self) -> None:
        self.times: list[int] = []
        self.amount: list[float] = [0.0]
        self.square: list[float] = [0.0]
        self.known: list[float] = [0.0]
        self.fraud: list[float] = [0.0]
        self.labels: list[float] = []
        self.spikes: list[float] = [0.0]
        self.spike_amount: list[float] = [0.0]

    def add(self, t: int, amount: float, label: float, spike: float = 0.0) -> int:
        if self.times and t < self.times[-1]:
            raise ValueError("transactions must be observed in time order")
        self.times.append(t)
        self.labels.append(label)
        self.amount.append(self.amount[-1] + amount)
        self.square.append(self.square[-1] + amount * amount)
        self.known.append(self.known[-1] + (0.0 if math.isnan(label) else 1.0))
        self.fraud.append(self.fraud[-1] + (0.0 if math.isnan(label) else label))
        self.spikes.append(self.spikes[-1] + spike)
        self.spike_amount.append(self.spike_amount[-1] + amount * spike)
        return len(self.times) - 1

    def relabel(self, index: int, label: float) -> None:
        self.labels[index] = label
        for i in range(index, len(self.times)):
            value = self.labels[i]
            self.known[i + 1] = self.known[i] + (0.0 if math.isnan(value) else 1.0)
            self.fraud[i + 1] = self.fraud[i] + (0.0 if math.isnan(value) else value)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Index range of the times in ``(start, end]``."""
        return bisect_right(self.times, start), bisect_right(self.times, end)

    def total(self, sums: list[float], start: int, end: int) -> float:
        lo, hi = self.span(start, end)
        return sums[hi] - sums[lo] if hi > lo else 0.0


_EMPTY = _Track()


def _epoch(value: Any) -> tuple[int, datetime]:
    stamp = pd.Timestamp(value)
    return int(stamp.value // 1_000_000_000), stamp.to_pydatetime()


class RollingState:
    """Incrementally maintained windows per customer, entity and (customer, entity) pair."""

    def __init__(self, spec: FeatureSpec) -> None:
        self.spec = spec
        self.tracks: dict[tuple[str, Any], _Track] = {}
        self.where: dict[Any, list[tuple[_Track, int]]] = {}
        self.last_time: int | None = None

    def _track(self, kind: str, key: Any) -> _Track:
        track = self.tracks.get((kind, key))
        if track is None:
            track = self.tracks[(kind, key)] = _Track()
        return track

    def features(self, tx: Mapping[str, Any]) -> np.ndarray:
        """The feature row of ``tx`` as the newest transaction (``tx`` is not added).

        Values are appended in ``spec.names()`` order (a test checks it against the batch features).
        """
        spec, c = self.spec, self.spec.customer
        t, when = _epoch(tx[TIME])
        amount = float(tx[AMOUNT])
        d, h = spec.delay_days * DAY, spec.habit_days * DAY
        cust = self.tracks.get(("c", tx[c]), _EMPTY)
        out = [amount, float(when.weekday() >= 5), float(when.hour <= 6)]
        averages = {}
        for w in spec.windows:
            lo, hi = cust.span(t - w * DAY, t)
            nb = hi - lo + 1
            averages[w] = (cust.amount[hi] - cust.amount[lo] + amount) / nb
            out += [float(nb), averages[w]]
        base = averages[max(spec.windows)]
        out += [averages[w] / base if base > 0 else math.nan for w in spec.windows if w != max(spec.windows)]
        lo, hi = cust.span(t - h, t)
        past = hi - lo
        total = cust.amount[hi] - cust.amount[lo]
        mean = total / max(past, 1)
        square = (cust.square[hi] - cust.square[lo]) / max(past, 1)
        std = math.sqrt(max(square - mean * mean, 0.0))
        out += [amount / mean if past > 0 and mean > 0 else math.nan,
                (amount - mean) / (std + 1.0) if past > 1 else math.nan]
        for lag in HABIT_LAGS:
            lag_lo, lag_hi = cust.span(t - h - lag * DAY, t - lag * DAY)
            lag_mean = (cust.amount[lag_hi] - cust.amount[lag_lo]) / max(lag_hi - lag_lo, 1)
            out.append(amount / lag_mean if lag_hi > lag_lo and lag_mean > 0 else math.nan)
        spikes = cust.spikes[hi] - cust.spikes[lo]
        usual = past - spikes
        usual_mean = (total - (cust.spike_amount[hi] - cust.spike_amount[lo])) / max(usual, 1)
        out += [amount / usual_mean if usual > 0 and usual_mean > 0 else math.nan, spikes / max(past, 1)]
        out += [cust.total(cust.spikes, t - w * DAY, t) for w in SPIKE_WINDOWS]
        lo, hi = cust.span(t - HOUR, t)
        out += [float(hi - lo + 1), float(t - cust.times[-1]) if cust.times else math.nan,
                _risk(cust, t - d - h, t - d)]
        for e in spec.entities:
            ent = self.tracks.get(("e:" + e, tx[e]), _EMPTY)
            for w in spec.windows:
                out += [ent.total(ent.known, t - d - w * DAY, t - d), _risk(ent, t - d - w * DAY, t - d)]
            pair = self.tracks.get(("p:" + e, (tx[c], tx[e])), _EMPTY)
            lo, hi = pair.span(t - h, t)
            same = hi - lo
            lo, hi = ent.span(t - h, t)
            out += [float(same), float(hi - lo - same)]
        return np.array(out, dtype=float)

    def observe(self, tx: Mapping[str, Any], label: float | None = None) -> None:
        """Add ``tx`` (after scoring it); ``label`` 1/0 when already known, else None."""
        spec, c = self.spec, self.spec.customer
        t, _ = _epoch(tx[TIME])
        value = math.nan if label is None or (isinstance(label, float) and math.isnan(label)) else float(label)
        amount = float(tx[AMOUNT])
        cust = self._track("c", tx[c])
        lo, hi = cust.span(t - spec.habit_days * DAY, t)
        mean = (cust.amount[hi] - cust.amount[lo]) / max(hi - lo, 1)
        spike = float(hi > lo and amount > SPIKE * mean)
        places = [(cust, cust.add(t, amount, value, spike))] + [(track, track.add(t, amount, value)) for track in (
            [self._track("e:" + e, tx[e]) for e in spec.entities]
            + [self._track("p:" + e, (tx[c], tx[e])) for e in spec.entities])]
        self.where[tx[TX_ID]] = places
        self.last_time = t

    def set_label(self, tx_id: Any, label: float) -> bool:
        """Record a label that became known (a review, a chargeback); False for an unknown transaction."""
        places = self.where.get(tx_id)
        if places is None:
            return False
        for track, index in places:
            track.relabel(index, float(label))
        return True

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, spec: FeatureSpec) -> RollingState:
        """A state that has observed every row of ``frame`` (in time order; ``TX_FRAUD`` optional)."""
        check_columns(frame, spec)
        state = cls(spec)
        ordered = frame.assign(_t=pd.to_datetime(frame[TIME])).sort_values("_t", kind="stable")
        labels = ordered[LABEL].astype(float) if LABEL in ordered.columns else pd.Series(math.nan, ordered.index)
        for row, label in zip(ordered.to_dict("records"), labels.tolist(), strict=True):
            state.observe(row, label)
        return state


def _risk(track: _Track, start: int, end: int) -> float:
    nb = track.total(track.known, start, end)
    return track.total(track.fraud, start, end) / nb if nb > 0 else 0.0
