"""Why an order scored high, in plain words.

Each reason is a group of features (the amount against the customer's habits, order velocity, an entity's
confirmed frauds, a new or shared payment card / device / address, the anomaly score). A group's weight is how
much the calibrated probability drops when those features are set to a typical order's values (the training
medians); the heaviest groups whose facts are noteworthy are worded from the order's own numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime

import numpy as np

from backoffice.fraud.features import AMOUNT, HABIT_LAGS, SPIKE, SPIKE_WINDOWS, FeatureSpec
from backoffice.fraud.model import FraudModel

NOUNS = {"TERMINAL_ID": "terminal", "INSTRUMENT_ID": "payment card", "DEVICE_ID": "device",
         "ADDRESS_ID": "delivery address"}
Phrase = Callable[[dict[str, float]], str | None]


def _noun(entity: str) -> str:
    return NOUNS.get(entity, entity.lower().removesuffix("_id").replace("_", " "))


def _money(value: float) -> str:
    return f"£{value:,.2f}"


def _times(value: float) -> str:
    return f"{value:.0f}×" if value >= 10 else f"{value:.1f}×".replace(".0×", "×")


def _groups(spec: FeatureSpec) -> list[tuple[str, list[str], Phrase]]:
    """(name, feature columns, wording) of every reason group."""
    c, h, longest = spec.customer, spec.habit_days, max(spec.windows)
    ratio, zscore = f"AMOUNT_TO_{c}_AVG_{h}DAY", f"AMOUNT_ZSCORE_{c}_{h}DAY"
    avg = f"{c}_AVG_AMOUNT_{longest}DAY_WINDOW"

    def amount(f: dict[str, float]) -> str | None:
        if not math.isnan(f[ratio]) and f[ratio] >= 2:
            past = f[AMOUNT] / f[ratio]
            return f"amount {_money(f[AMOUNT])} is {_times(f[ratio])} this customer's {h}-day average ({_money(past)})"
        if math.isnan(f[ratio]):
            return f"amount {_money(f[AMOUNT])} from a customer with no other order in the last {h} days"
        if f[AMOUNT] > 0:
            return f"amount {_money(f[AMOUNT])} (this customer's {longest}-day average is {_money(f[avg])})"
        return None

    def velocity(f: dict[str, float]) -> str | None:
        day, hour, gap = f[f"{c}_NB_TX_1DAY_WINDOW"] if 1 in spec.windows else 0, f[f"{c}_NB_TX_1HOUR"], f[
            f"{c}_SECONDS_SINCE_PREV"]
        if hour >= 2:
            return f"{hour:.0f} orders from this customer within an hour"
        if day >= 3:
            return f"{day:.0f} orders from this customer in the last 24 hours"
        if not math.isnan(gap) and gap < 600:
            return f"placed {gap / 60:.0f} minutes after this customer's previous order"
        return None

    def spikes(f: dict[str, float]) -> str | None:
        count = f[f"{c}_SPIKES_{SPIKE_WINDOWS[-1]}DAY"]
        if count >= 1:
            plural = "order" if count == 1 else "orders"
            return (f"this customer placed {count:.0f} other unusually large {plural} (over {SPIKE:g}× their average) "
                    f"in the last {SPIKE_WINDOWS[-1]} days")
        return None

    def customer_risk(f: dict[str, float]) -> str | None:
        return ("this customer's account had confirmed frauds in the last 30 days"
                if f[f"{c}_RISK_{h}DAY_WINDOW"] > 0 else None)

    groups: list[tuple[str, list[str], Phrase]] = [
        ("amount", [AMOUNT, ratio, zscore, f"AMOUNT_TO_{c}_USUAL_{h}DAY"]
         + [f"AMOUNT_TO_{c}_AVG_{h}DAY_{lag}DAY_AGO" for lag in HABIT_LAGS]
         + [n for n in spec.names() if n.startswith(f"{c}_AVG_AMOUNT_")], amount),
        ("velocity", [f"{c}_NB_TX_1HOUR", f"{c}_SECONDS_SINCE_PREV"]
         + [f"{c}_NB_TX_{w}DAY_WINDOW" for w in spec.windows], velocity),
        ("spikes", [f"{c}_SPIKES_{w}DAY" for w in SPIKE_WINDOWS] + [f"{c}_SPIKE_SHARE_{h}DAY"], spikes),
        ("customer_risk", [f"{c}_RISK_{h}DAY_WINDOW"], customer_risk),
    ]
    for e in spec.entities:
        groups.append((f"{e}_risk", [f"{e}_{k}_{w}DAY_WINDOW" for w in spec.windows for k in ("NB_TX", "RISK")],
                       _entity_risk(e, spec)))
        groups.append((f"{e}_usage", [f"{e}_SAME_{c}_TX_{h}DAY", f"{e}_OTHER_{c}_TX_{h}DAY"], _entity_usage(e, spec)))
    groups.append(("night", ["TX_DURING_NIGHT"], lambda f: "placed at night" if f["TX_DURING_NIGHT"] else None))
    return groups


def _entity_risk(entity: str, spec: FeatureSpec) -> Phrase:
    def phrase(f: dict[str, float]) -> str | None:
        for w in sorted(spec.windows):
            frauds = round(f[f"{entity}_RISK_{w}DAY_WINDOW"] * f[f"{entity}_NB_TX_{w}DAY_WINDOW"])
            if frauds > 0:
                plural = "fraud" if frauds == 1 else "frauds"
                return (f"this {_noun(entity)} had {frauds} confirmed {plural} in the last {w + spec.delay_days} days "
                        f"(fraud labels arrive after {spec.delay_days})")
        return None

    return phrase


def _entity_usage(entity: str, spec: FeatureSpec) -> Phrase:
    c, h = spec.customer, spec.habit_days

    def phrase(f: dict[str, float]) -> str | None:
        other, same = f[f"{entity}_OTHER_{c}_TX_{h}DAY"], f[f"{entity}_SAME_{c}_TX_{h}DAY"]
        if other >= 1:
            whose = "another customer's order" if other == 1 else f"{other:.0f} other customers' orders"
            return f"this {_noun(entity)} was used for {whose} in the last {h} days"
        if same == 0:
            return f"first order from this customer with this {_noun(entity)} in {h} days"
        return None

    return phrase


def reasons(model: FraudModel, spec: FeatureSpec, row: np.ndarray, *, top: int = 3,
            placed_at: datetime | None = None) -> list[str]:
    """Up to ``top`` plain-word reasons for one feature row, strongest first (may be empty for a clean order)."""
    names = spec.names()
    data = np.asarray(row, dtype=float).reshape(1, -1)
    if data.shape[1] != len(names):
        raise ValueError(f"row has {data.shape[1]} features, the spec names {len(names)}")
    facts = dict(zip(names, data[0].tolist(), strict=True))
    inputs = model._inputs(data)  # noqa: SLF001
    groups = _groups(spec)
    variants = np.repeat(inputs, len(groups) + 1, axis=0)
    index = {name: i for i, name in enumerate(names)}
    for g, (_, columns, _) in enumerate(groups):
        for col in columns:
            variants[g, index[col]] = model.medians_[index[col]]
    anomaly = model.forest_ is not None and model.anomaly_as_feature
    if anomaly:
        variants[len(groups), -1] = model.anomaly_median_
    # Log-odds, not probabilities: a near-certain fraud with several signals would show no single drop.
    raw = model.booster_.raw(variants)
    base = float(model.booster_.raw(inputs)[0])
    weighted: list[tuple[float, str]] = []
    for g, (name, _, phrase) in enumerate(groups):
        words = phrase(facts)
        if words is not None and base - raw[g] > 0.05:
            if name == "night" and placed_at is not None:
                words = f"placed at night ({placed_at:%H:%M})"
            weighted.append((base - float(raw[g]), words))
    if anomaly and base - raw[len(groups)] > 0.05:
        weighted.append((base - float(raw[len(groups)]),
                         f"an unusual combination of order details (anomaly score {inputs[0, -1]:.2f})"))
    weighted.sort(key=lambda item: -item[0])
    return [words for _, words in weighted[:top]]
