"""The building blocks on their own: SASRec learns a cycle, co-purchase and popularity count correctly."""

from __future__ import annotations

import numpy as np

from backoffice.recommend.cooccurrence import CoPurchase
from backoffice.recommend.popularity import Popularity
from backoffice.recommend.sasrec import SASRec, SASRecConfig, ndcg_hr_at_k


def test_sasrec_learns_the_next_item_in_a_cycle() -> None:
    rng = np.random.default_rng(1)
    seqs = [[(s + k) % 10 + 1 for k in range(8)] for s in rng.integers(0, 10, 60)]
    cfg = SASRecConfig(hidden=16, layers=1, max_len=8, lr=1e-2, batch_size=16, epochs=30, patience=30, dropout=0.0,
                       threads=1)
    model = SASRec(10, cfg, progress=False).fit(seqs)
    scores = model.score([s[:-1] for s in seqs], exclude_seen=False)
    ndcg, hit = ndcg_hr_at_k(scores, np.array([s[-1] for s in seqs]), k=1)
    assert hit > 0.9
    assert model.history_ and "val_ndcg10" in model.history_[-1]


def test_sampled_softmax_trains_too() -> None:
    seqs = [[(s + k) % 10 + 1 for k in range(6)] for s in range(10)] * 3
    cfg = SASRecConfig(hidden=16, layers=1, max_len=6, lr=1e-2, batch_size=8, epochs=3, negatives=4, threads=1)
    model = SASRec(10, cfg, progress=False).fit(seqs, validate=False)
    assert model.score([[1, 2]]).shape == (1, 11)


def test_popularity_counts_and_excludes_seen() -> None:
    pop = Popularity(3).fit([[1, 2], [2, 3], [2]])
    assert list(pop.check()) == [0, 1, 3, 1]
    scores = pop.score([[2]])
    assert np.isneginf(scores[0, 2]) and np.isneginf(scores[0, 0])


def test_copurchase_links_items_bought_together() -> None:
    co = CoPurchase(4).fit([[1, 2], [1, 2], [3, 4], [1, 2, 3]])
    assert co.similar(1, 1)[0][0] == 2
    assert co.similar(4, 1)[0][0] == 3
    assert co.similar(99, 3) == []


def test_ndcg() -> None:
    scores = np.array([[0.0, 0.9, 0.5], [0.0, 0.1, 0.5]])
    ndcg, hit = ndcg_hr_at_k(scores, np.array([1, 1]), k=1)
    assert hit == 0.5 and ndcg == 0.5
