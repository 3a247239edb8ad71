"""Next-item prediction for a file of sequences (``user_id item_1 … item_n`` per line, oldest first).

Used by ``python -m backoffice.recommend next-items`` and by the benchmark, so both run the same code.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from backoffice.recommend.cooccurrence import CoPurchase
from backoffice.recommend.popularity import Popularity

METHODS = ("hybrid", "sasrec", "itemknn", "popular")
Scorer = Callable[..., np.ndarray]
BLEND_WEIGHTS = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0)


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
    parts: dict[str, dict[str, list[str]]] = field(default_factory=dict)


def _chunks(n: int, size: int) -> Iterator[slice]:
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


def _log_softmax(scores: np.ndarray) -> np.ndarray:
    finite = np.isfinite(scores)
    peak = np.where(finite, scores, -np.inf).max(axis=1, keepdims=True)
    total = np.log(np.where(finite, np.exp(np.where(finite, scores, peak) - peak), 0.0).sum(axis=1, keepdims=True))
    return scores - peak - total


def blend(sasrec: np.ndarray, knn: np.ndarray, weight: float) -> np.ndarray:
    """SASRec log-probabilities plus ``weight`` × co-purchase scores scaled to [0, 1] per row."""
    finite = np.where(np.isfinite(knn), knn, 0.0)  # exclusions are already -inf in the SASRec scores
    peak = finite.max(axis=1, keepdims=True)
    return _log_softmax(sasrec) + weight * finite / np.maximum(peak, 1e-9)


def choose_blend_weight(model: object, seqs: list[list[int]], n_items: int, max_users: int = 5000,
                        seed: int = 0) -> tuple[float, dict[float, float]]:
    """Pick the co-purchase weight on the validation target (each user's last item), NDCG@10."""
    from backoffice.recommend.sasrec import SASRec, ndcg_hr_at_k

    assert isinstance(model, SASRec)
    usable = [s for s in seqs if len(s) >= 3]
    knn = CoPurchase(n_items).fit([s[:-1] for s in seqs])
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(usable), size=min(max_users, len(usable)), replace=False)
    hist = [usable[i][:-1] for i in pick]
    target = np.array([usable[i][-1] for i in pick])
    base, extra = model.score(hist), knn.score(hist)
    results = {w: ndcg_hr_at_k(blend(base, extra, w), target)[0] for w in BLEND_WEIGHTS}
    return max(results, key=lambda w: results[w]), results


def next_items(sequences: dict[str, list[str]], top: int = 20, *, method: str = "hybrid",
               config: object | None = None, exclude_seen: bool = True, progress: bool = True,
               with_parts: bool = False) -> BatchResult:
    """Train ``method`` on the sequences and predict each user's next ``top`` items.

    SASRec holds out every user's last item to choose its epoch (early stopping), then predicts from the
    whole sequence; ``hybrid`` (the default) adds co-purchase scores with a weight chosen on that same
    held-out item. ``with_parts`` also returns SASRec's own predictions (the benchmark reports both).
    Items already in a user's line are not predicted unless ``exclude_seen=False``.
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
    if method in ("sasrec", "hybrid"):
        from backoffice.recommend.sasrec import SASRec, SASRecConfig

        cfg = config if isinstance(config, SASRecConfig) else SASRecConfig()
        model = SASRec(n_items, cfg, progress=progress).fit(seqs)
        history = model.history_
        scorer = model.score
        alone = model.score
        if method == "hybrid":
            weight, tried = choose_blend_weight(model, seqs, n_items, seed=cfg.random_state)
            knn = CoPurchase(n_items).fit(seqs)
            history = [*history, {"blend_weight": weight, **{f"val_ndcg10_w{w:g}": v for w, v in tried.items()}}]
            if progress:
                shown = ", ".join(f"{w:g}: {v:.4f}" for w, v in tried.items())
                print(f"hybrid: co-purchase weight {weight:g} (validation NDCG@10 {shown})", file=sys.stderr,
                      flush=True)

            def hybrid(histories: Sequence[Sequence[int]], *, exclude_seen: bool = True) -> np.ndarray:
                return blend(model.score(histories, exclude_seen=exclude_seen),
                             knn.score(histories, exclude_seen=exclude_seen), weight)

            scorer = hybrid
    elif method == "itemknn":
        scorer = CoPurchase(n_items).fit(seqs).score
    else:
        scorer = Popularity(n_items).fit(seqs).score
    predictions = _predict(scorer, users, seqs, vocab, top, exclude_seen)
    parts = {"sasrec": _predict(alone, users, seqs, vocab, top, exclude_seen)} if with_parts and method == "hybrid" \
        else {}
    return BatchResult(predictions, method, time.monotonic() - started, history, parts)


def _predict(scorer: Scorer, users: list[str], seqs: list[list[int]], vocab: list[str], top: int,
             exclude_seen: bool) -> dict[str, list[str]]:
    predictions: dict[str, list[str]] = {}
    for part in _chunks(len(users), 1024):
        scores = scorer(seqs[part], exclude_seen=exclude_seen)
        k = min(top, len(vocab))
        best = np.argpartition(-scores, k - 1, axis=1)[:, :k] if k < scores.shape[1] else \
            np.tile(np.arange(scores.shape[1]), (scores.shape[0], 1))
        for row, user in enumerate(users[part]):
            cand = best[row][np.argsort(-scores[row, best[row]], kind="stable")]
            predictions[user] = [vocab[i - 1] for i in cand if i > 0 and np.isfinite(scores[row, i])][:top]
    return predictions
