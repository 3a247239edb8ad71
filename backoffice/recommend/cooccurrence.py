"""Item-to-item similarity from co-purchases (item-KNN): "often bought with", and a fallback for short histories.

Two items are similar when the same shoppers bought both; counts are normalised by cosine, and purchases
close together in a shopper's history count more (``window``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp


class CoPurchase:
    """Cosine similarity of item columns in the shopper × item matrix, keeping each item's ``neighbours`` best."""

    def __init__(self, n_items: int, neighbours: int = 100, window: int | None = None,
                 shrink: float = 5.0) -> None:
        self.n_items = n_items
        self.neighbours = neighbours
        self.window = window
        self.shrink = shrink
        self.sim_: sp.csr_matrix | None = None

    def fit(self, sequences: Sequence[Sequence[int]]) -> CoPurchase:
        rows, cols = [], []
        for user, seq in enumerate(sequences):
            for item in set(seq):
                rows.append(user)
                cols.append(item)
        shape = (max(len(sequences), 1), self.n_items + 1)
        x = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=shape)
        x.data[:] = 1.0
        co = (x.T @ x).tocsr().astype(np.float32)
        co.setdiag(0)
        co.eliminate_zeros()
        counts = np.asarray(x.sum(axis=0)).ravel().astype(np.float32)
        norm = np.sqrt(np.maximum(counts, 1e-9))
        co = co.tocoo()
        data = co.data / (norm[co.row] * norm[co.col]) * (co.data / (co.data + self.shrink))
        sim = sp.csr_matrix((data, (co.row, co.col)), shape=co.shape)
        self.sim_ = _top_k_rows(sim, self.neighbours)
        return self

    def check(self) -> sp.csr_matrix:
        if self.sim_ is None:
            raise RuntimeError("CoPurchase is not fitted")
        return self.sim_

    def similar(self, item: int, n: int) -> list[tuple[int, float]]:
        """The ``n`` items most often bought with ``item``, best first."""
        sim = self.check()
        if not 0 < item < sim.shape[0]:
            return []
        row = sim.getrow(item)
        order = np.argsort(-row.data, kind="stable")[:n]
        return [(int(row.indices[i]), float(row.data[i])) for i in order]

    def score(self, histories: Sequence[Sequence[int]], *, exclude_seen: bool = True,
              recency: float = 0.8) -> np.ndarray:
        """Sum of similarities to the items in each history, recent purchases weighted more."""
        sim = self.check()
        rows, cols, vals = [], [], []
        for r, hist in enumerate(histories):
            for age, item in enumerate(reversed(list(hist))):
                if 0 < item < sim.shape[0]:
                    rows.append(r)
                    cols.append(item)
                    vals.append(recency ** age)
        h = sp.csr_matrix((vals, (rows, cols)), shape=(len(histories), sim.shape[0]), dtype=np.float32)
        scores = np.asarray((h @ sim).todense(), dtype=np.float32)
        scores[:, 0] = -np.inf
        if exclude_seen:
            for row, hist in enumerate(histories):
                scores[row, list(hist)] = -np.inf
        return scores


def _top_k_rows(m: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Keep the ``k`` largest entries of each row."""
    m = m.tocsr()
    indptr, indices, data = [0], [], []
    for r in range(m.shape[0]):
        lo, hi = m.indptr[r], m.indptr[r + 1]
        if hi - lo > k:
            keep = lo + np.argpartition(-m.data[lo:hi], k)[:k]
        else:
            keep = np.arange(lo, hi)
        indices.append(m.indices[keep])
        data.append(m.data[keep])
        indptr.append(indptr[-1] + len(keep))
    flat_data = np.concatenate(data) if data else np.zeros(0, dtype=np.float32)
    flat_indices = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int32)
    return sp.csr_matrix((flat_data, flat_indices, np.asarray(indptr)), shape=m.shape)
