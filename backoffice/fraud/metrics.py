"""Evaluation helpers following the Fraud Detection Handbook: its train/delay/test split and Card Precision@k."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from backoffice.fraud.features import LABEL, TIME


def handbook_split(
    transactions: pd.DataFrame, start: datetime, *, train_days: int = 7, delay_days: int = 7, test_days: int = 7,
    customer: str = "CUSTOMER_ID",
) -> tuple[pd.Index, pd.Index]:
    """Index labels of the train and test rows (Handbook, chapter 3 ``get_train_test_set``).

    Train is ``[start, start + train_days)``; test days follow a ``delay_days`` gap, and each test day drops the
    customers (cards) already known to be compromised: frauds in the training week and in the day that lies
    ``delay_days`` before it.
    """
    stamps = pd.to_datetime(transactions[TIME])
    day = (stamps - pd.Timestamp(start)).dt.days
    train = transactions.index[(day >= 0) & (day < train_days)]
    labels = transactions[LABEL]
    known = set(transactions.loc[train][labels.loc[train] == 1][customer])
    test_parts = []
    for offset in range(test_days):
        delay_day = transactions[(day == train_days + offset - 1) & (labels == 1)]
        known |= set(delay_day[customer])
        rows = transactions[(day == train_days + delay_days + offset) & ~transactions[customer].isin(known)]
        test_parts.append(rows.index)
    test = test_parts[0].append(test_parts[1:]) if test_parts else pd.Index([])
    return train, test


def card_precision_at_k(
    frame: pd.DataFrame, scores: np.ndarray, k: int = 100, *, customer: str = "CUSTOMER_ID",
    remove_detected: bool = True,
) -> float:
    """Mean over days of the share of frauded cards among the ``k`` cards with the highest score that day.

    As in the Handbook (chapter 4): a card's score is its highest transaction score of the day; with
    ``remove_detected`` a card found compromised in an earlier day's top ``k`` is left out of later days.
    """
    if k <= 0:
        raise ValueError("k must be positive")
    work = pd.DataFrame({"day": pd.to_datetime(frame[TIME]).dt.normalize().to_numpy(),
                         "card": frame[customer].to_numpy(), "score": scores, "fraud": frame[LABEL].to_numpy()})
    detected: set[object] = set()
    precisions = []
    for _, day in work.groupby("day", sort=True):
        day = day[~day["card"].isin(detected)]
        cards = day.groupby("card").agg(score=("score", "max"), fraud=("fraud", "max"))
        top = cards.sort_values("score", ascending=False).head(k)
        precisions.append(float(top["fraud"].sum()) / k)
        if remove_detected:
            detected |= set(top.index[top["fraud"] == 1])
    return float(np.mean(precisions)) if precisions else float("nan")


