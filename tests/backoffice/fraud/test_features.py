"""Rolling windows and the label delay on tiny hand-made histories; the in-memory state matches the batch."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from backoffice.fraud.features import FeatureSpec, build_features
from backoffice.fraud.state import RollingState

SPEC = FeatureSpec(entities=("TERMINAL_ID",), windows=(1, 7, 30), delay_days=7)


def tx(rows: list[tuple[int, str, int, int, float, float | None]]) -> pd.DataFrame:
    """(id, datetime, customer, terminal, amount, label or None)."""
    return pd.DataFrame(rows, columns=["TRANSACTION_ID", "TX_DATETIME", "CUSTOMER_ID", "TERMINAL_ID", "TX_AMOUNT",
                                       "TX_FRAUD"]).astype({"TX_FRAUD": float})


HISTORY = tx([
    (1, "2024-01-01 10:00:00", 1, 50, 10.0, 0),
    (2, "2024-01-02 10:00:00", 1, 50, 30.0, 1),      # a fraud at terminal 50
    (3, "2024-01-05 12:00:00", 2, 50, 20.0, 0),
    (4, "2024-01-09 11:00:00", 1, 60, 20.0, 0),
    (5, "2024-01-09 11:30:00", 1, 60, 200.0, None),  # label not known yet
    (6, "2024-01-10 11:00:00", 2, 50, 40.0, 1),
])


def features_of(frame: pd.DataFrame) -> pd.DataFrame:
    return build_features(frame, SPEC).set_index(frame["TRANSACTION_ID"])


def test_customer_windows_include_the_current_order_and_only_the_past() -> None:
    f = features_of(HISTORY)
    assert f.loc[4, "CUSTOMER_ID_NB_TX_7DAY_WINDOW"] == 1  # 2 Jan 10:00 is more than 7 days before 9 Jan 11:00
    assert f.loc[4, "CUSTOMER_ID_NB_TX_30DAY_WINDOW"] == 3
    assert f.loc[5, "CUSTOMER_ID_NB_TX_1DAY_WINDOW"] == 2
    assert f.loc[5, "CUSTOMER_ID_AVG_AMOUNT_1DAY_WINDOW"] == pytest.approx(110.0)
    assert f.loc[5, "CUSTOMER_ID_NB_TX_1HOUR"] == 2
    assert f.loc[5, "CUSTOMER_ID_SECONDS_SINCE_PREV"] == 1800
    assert f.loc[5, "AMOUNT_TO_CUSTOMER_ID_AVG_30DAY"] == pytest.approx(200 / 20)  # past mean (10+30+20)/3
    assert math.isnan(f.loc[1, "AMOUNT_TO_CUSTOMER_ID_AVG_30DAY"])  # no past: unknown, not zero


def test_a_label_counts_only_once_the_order_is_older_than_the_delay() -> None:
    f = features_of(HISTORY)
    # On 5 Jan the fraud of 2 Jan is 3 days old: inside the 7-day delay, so terminal 50 still looks clean.
    assert f.loc[3, "TERMINAL_ID_NB_TX_30DAY_WINDOW"] == 0
    assert f.loc[3, "TERMINAL_ID_RISK_30DAY_WINDOW"] == 0
    # On 10 Jan 11:00 both 1 Jan and 2 Jan are more than 7 days old: 1 fraud out of 2 labelled orders.
    assert f.loc[6, "TERMINAL_ID_NB_TX_30DAY_WINDOW"] == 2
    assert f.loc[6, "TERMINAL_ID_RISK_30DAY_WINDOW"] == pytest.approx(0.5)
    # The 1-day window looks at (2 Jan 11:00, 3 Jan 11:00]: nothing there.
    assert f.loc[6, "TERMINAL_ID_NB_TX_1DAY_WINDOW"] == 0


def test_future_labels_never_leak_into_earlier_rows() -> None:
    before = features_of(HISTORY)
    flipped = HISTORY.copy()
    flipped["TX_FRAUD"] = 1.0 - flipped["TX_FRAUD"].fillna(0.0)  # change every label
    after = features_of(flipped)
    t = pd.to_datetime(HISTORY["TX_DATETIME"]).to_numpy()
    for i, row_id in enumerate(HISTORY["TRANSACTION_ID"]):
        newer_than_delay = t > t[i] - np.timedelta64(7, "D")
        if newer_than_delay.all():  # every order is within its delay: labels cannot matter
            pd.testing.assert_series_equal(before.loc[row_id], after.loc[row_id])
    # Risk columns of a row change only through labels older than the delay; the 5 Jan row saw none.
    risk = [c for c in before.columns if "RISK" in c]
    assert (before.loc[3, risk] == after.loc[3, risk]).all()


def test_unknown_labels_count_in_no_risk_window() -> None:
    later = pd.concat([HISTORY, tx([(7, "2024-01-20 10:00:00", 3, 60, 5.0, None)])], ignore_index=True)
    f = features_of(later)
    # terminal 60 in (Jan 12 - 30 days, Jan 13 10:00]: order 4 is labelled, order 5 is not.
    assert f.loc[7, "TERMINAL_ID_NB_TX_30DAY_WINDOW"] == 1
    assert f.loc[7, "TERMINAL_ID_RISK_30DAY_WINDOW"] == 0


def test_pair_features_tell_a_known_terminal_from_a_new_one() -> None:
    f = features_of(HISTORY)
    assert f.loc[4, "TERMINAL_ID_SAME_CUSTOMER_ID_TX_30DAY"] == 0  # customer 1 at terminal 60 for the first time
    assert f.loc[5, "TERMINAL_ID_SAME_CUSTOMER_ID_TX_30DAY"] == 1
    assert f.loc[6, "TERMINAL_ID_OTHER_CUSTOMER_ID_TX_30DAY"] == 2  # customer 1's two orders at terminal 50


def test_missing_columns_are_named() -> None:
    with pytest.raises(ValueError, match="TERMINAL_ID"):
        build_features(HISTORY.drop(columns=["TERMINAL_ID"]), SPEC)


def test_the_incremental_state_gives_the_batch_features() -> None:
    rng = np.random.default_rng(3)
    n = 300
    times = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.sort(rng.uniform(0, 60 * 86400, n)).astype(int), "s")
    frame = pd.DataFrame({
        "TRANSACTION_ID": np.arange(n), "TX_DATETIME": times, "CUSTOMER_ID": rng.integers(0, 8, n),
        "TERMINAL_ID": rng.integers(0, 5, n), "TX_AMOUNT": rng.gamma(2.0, 20.0, n).round(2),
        "TX_FRAUD": np.where(rng.random(n) < 0.8, (rng.random(n) < 0.2).astype(float), np.nan),
    })
    batch = build_features(frame, SPEC).to_numpy()
    state = RollingState(SPEC)
    for i, row in enumerate(frame.to_dict("records")):
        np.testing.assert_allclose(state.features(row), batch[i], rtol=1e-9, atol=1e-9, equal_nan=True)
        state.observe(row, row["TX_FRAUD"])


def test_a_late_label_reaches_the_state() -> None:
    state = RollingState.from_frame(HISTORY.assign(TX_FRAUD=np.nan), SPEC)
    probe = {"TRANSACTION_ID": 9, "TX_DATETIME": "2024-01-10 11:00:00", "CUSTOMER_ID": 3, "TERMINAL_ID": 50,
             "TX_AMOUNT": 1.0}
    risk = SPEC.names().index("TERMINAL_ID_RISK_30DAY_WINDOW")
    assert state.features(probe)[risk] == 0
    assert state.set_label(2, 1.0) and state.set_label(1, 0.0)
    assert state.features(probe)[risk] == pytest.approx(0.5)
    assert not state.set_label(12345, 1.0)
