"""Next-item prediction for a file of sequences (``user_id item_1 … item_n`` per line, oldest first).

Used by ``python -m backoffice.recommend next-items`` and by the benchmark, so both run the same code.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from backoffice.recommend.cooccurrence import CoPurchase
from backoffice.recommend.popularity import Popularity

METHODS = ("sasrec", "itemknn", "popular")


def read_sequences(path: Path) -> dict[str, list[str]]:
    """``{user_id: [item, ...]}`` from a sequences file (blank lines skipped)."""
    out: dict[str, list[str]] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if parts:
                out[parts[0]] = parts[1:]
    return out


def write_predictions(path: Path, predictions: dict[str, list[str]]) -> None:
    """One line per user: ``user_id rec_1 … rec_k``."""
    with open(path, "w", encoding="utf-8") as handle:
        for user, items in predictions.items():
            handle.write(" ".join([user, *items]) + "\n")


@dataclass
class BatchResult:
    """Predictions plus how they were made (training log and timings)."""

    predictions: dict[str, list[str]]
    method: str
    seconds: float
    history: list[dict[str, float]] = field(default_factory=list)


def _chunks(n: int, size: int) -> Iterator[slice]:
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


def next_items(sequences: dict[str, list[str]], top: int = 20, *, method: str = "sasrec",
               config: object | None = None, exclude_seen: bool = True, progress: bool = True) -> BatchResult:
    """Train ``method`` on the sequences and predict each user's next ``top`` items.

    SASRec holds out every user's last item to choose its epoch (early stopping), then predicts from the
    whole sequence. Items already in a user's line are not predicted unless ``exclude_seen=False``.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    started = time.monotonic()
    vocab = sorted({item for seq in sequences.values() for item in seq})
    index = {item: i + 1 for i, item in enumerate(vocab)}
    users = list(sequences)
    seqs = [[index[i] for i in sequences[u]] for u in users]
    n_items = len(vocab)
    history: list[dict[str, float]] = []
    if method == "sasrec":
        from backoffice.recommend.sasrec import SASRec, SASRecConfig

        cfg = config if isinstance(config, SASRecConfig) else SASRecConfig()
        model = SASRec(n_items, cfg, progress=progress).fit(seqs)
        history = model.history_
        scorer = model.score
    elif method == "itemknn":
        scorer = CoPurchase(n_items).fit(seqs).score
    else:
        scorer = Popularity(n_items).fit(seqs).score
    predictions: dict[str, list[str]] = {}
    for part in _chunks(len(users), 1024):
        scores = scorer(seqs[part], exclude_seen=exclude_seen)
        k = min(top, n_items)
        best = np.argpartition(-scores, k - 1, axis=1)[:, :k] if k < scores.shape[1] else \
            np.tile(np.arange(scores.shape[1]), (scores.shape[0], 1))
        for row, user in enumerate(users[part]):
            cand = best[row][np.argsort(-scores[row, best[row]], kind="stable")]
            predictions[user] = [vocab[i - 1] for i in cand if i > 0 and np.isfinite(scores[row, i])][:top]
    return BatchResult(predictions, method, time.monotonic() - started, history)
