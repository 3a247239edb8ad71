"""Most-bought items, optionally weighted towards recent purchases: the fallback for a shopper with no history."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class Popularity:
    """Counts purchases per item id (``1..n_items``).

    ``half_life`` (in positions from the end of each
    sequence) down-weights old purchases, None counts every purchase alike.
    """

    def __init__(self, n_items: int, half_life: float | None = None) -> None:
        self.n_items = n_items
        self.half_life = half_life
        self.scores_: np.ndarray | None = None

    def fit(self, sequences: Sequence[Sequence[int]]) -> Popularity:
        scores = np.zeros(self.n_items + 1, dtype=np.float64)
        for seq in sequences:
            if not len(seq):
                continue
            ids = np.asarray(seq, dtype=np.int64)
            if self.half_life:
                age = np.arange(len(ids) - 1, -1, -1, dtype=np.float64)
                np.add.at(scores, ids, 0.5 ** (age / self.half_life))
            else:
                np.add.at(scores, ids, 1.0)
        scores[0] = 0.0
        self.scores_ = scores
        return self

    def check(self) -> np.ndarray:
        if self.scores_ is None:
            raise RuntimeError("Popularity is not fitted")
        return self.scores_

    def score(self, histories: Sequence[Sequence[int]], *, exclude_seen: bool = True) -> np.ndarray:
        """The same popularity row for every history, ``[n, n_items + 1]``."""
        base = self.check().astype(np.float32)
        scores = np.tile(base, (len(histories), 1))
        scores[:, 0] = -np.inf
        if exclude_seen:
            for row, hist in enumerate(histories):
                scores[row, list(hist)] = -np.inf
        return scores
