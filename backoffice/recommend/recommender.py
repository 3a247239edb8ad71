"""The :class:`Recommender` facade.

A sequence model for shoppers with a history (blended with co-purchase scores, the weight chosen on each
shopper's held-out last purchase), co-purchases and popularity as fallbacks, a reason with every suggestion,
and a save/load format without pickles (JSON, numpy, a torch state dict). Items and customers are plain
strings (SKUs, customer ids); nothing here knows the database.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from backoffice.recommend.cooccurrence import CoPurchase
from backoffice.recommend.popularity import Popularity

if TYPE_CHECKING:
    from backoffice.recommend.sasrec import SASRec, SASRecConfig

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Recommendation:
    """One suggested item: its score (comparable within one answer), a short reason, and which model chose it."""

    item: str
    score: float
    reason: str
    source: str  # "sequence" | "co-purchase" | "popular" | "similar"


class Recommender:
    """``fit(histories)`` then ``recommend(customer, n)`` / ``similar_items(item, n)``.

    ``histories`` maps a customer to the items they bought, oldest first. ``use_sequence_model=False`` skips
    the torch model (co-purchase plus popularity only), which is also what happens on too little data.
    """

    def __init__(self, config: SASRecConfig | None = None, *, use_sequence_model: bool = True,
                 neighbours: int = 100, max_history: int = 200, progress: bool = False) -> None:
        self.config = config
        self.use_sequence_model = use_sequence_model
        self.neighbours = neighbours
        self.max_history = max_history
        self.progress = progress
        self.items_: list[str] = []
        self.item_index_: dict[str, int] = {}
        self.titles_: dict[str, str] = {}
        self.histories_: dict[str, list[int]] = {}
        self.popularity_: Popularity | None = None
        self.copurchase_: CoPurchase | None = None
        self.sasrec_: SASRec | None = None
        self.stock_: dict[str, int] = {}
        self.blend_weight_ = 0.0
        self._vectors: np.ndarray | None = None
        self._unit_vectors: np.ndarray | None = None

    # ---------------------------------------------------------------------------------------- fitting

    def fit(self, histories: Mapping[str, Sequence[str]], titles: Mapping[str, str] | None = None) -> Recommender:
        """Learn from every customer's purchases (oldest first); returns self."""
        items = sorted({item for seq in histories.values() for item in seq})
        self.items_ = items
        self.item_index_ = {item: i + 1 for i, item in enumerate(items)}
        self.titles_ = dict(titles or {})
        self.histories_ = {str(c): [self.item_index_[i] for i in seq][-self.max_history:]
                           for c, seq in histories.items() if seq}
        sequences = list(self.histories_.values())
        n = len(items)
        self.popularity_ = Popularity(n).fit(sequences)
        self.copurchase_ = CoPurchase(n, neighbours=self.neighbours).fit(sequences)
        self.sasrec_ = None
        if self.use_sequence_model and sum(len(s) >= 3 for s in sequences) >= 2:
            from backoffice.recommend.batch import choose_blend_weight
            from backoffice.recommend.sasrec import SASRec

            self.sasrec_ = SASRec(n, self.config, progress=self.progress).fit(sequences)
            self.blend_weight_, _ = choose_blend_weight(self.sasrec_, sequences, n)
        self._cache_vectors()
        return self

    def _cache_vectors(self) -> None:
        if self.sasrec_ is None:
            self._vectors = self._unit_vectors = None
            return
        self._vectors = self.sasrec_.item_vectors()
        norms = np.linalg.norm(self._vectors, axis=1, keepdims=True)
        self._unit_vectors = self._vectors / np.maximum(norms, 1e-12)

    def _check(self) -> tuple[Popularity, CoPurchase]:
        if self.popularity_ is None or self.copurchase_ is None:
            raise RuntimeError("Recommender is not fitted: call fit() or load() first")
        return self.popularity_, self.copurchase_

    def set_stock(self, stock: Mapping[str, int]) -> None:
        """Units on hand per item; items at 0 or below are left out when ``exclude_out_of_stock``."""
        self.stock_.update({str(k): int(v) for k, v in stock.items()})

    # ---------------------------------------------------------------------------------------- answering

    def _blocked(self, exclude_out_of_stock: bool, extra: Collection[str] = (),
                 available: Collection[str] | None = None) -> np.ndarray:
        blocked = np.zeros(len(self.items_) + 1, dtype=bool)
        blocked[0] = True
        if exclude_out_of_stock:
            for item, units in self.stock_.items():
                if units <= 0 and item in self.item_index_:
                    blocked[self.item_index_[item]] = True
        for item in extra:
            if item in self.item_index_:
                blocked[self.item_index_[item]] = True
        if available is not None:
            allowed = np.zeros_like(blocked)
            allowed[[self.item_index_[i] for i in available if i in self.item_index_]] = True
            blocked |= ~allowed
        return blocked

    def history(self, customer: str) -> list[str]:
        """The items a known customer bought, oldest first."""
        return [self.items_[i - 1] for i in self.histories_.get(str(customer), [])]

    def recommend(self, customer: str | None, n: int = 10, *, history: Sequence[str] | None = None,
                  exclude_out_of_stock: bool = True, exclude_seen: bool = True, exclude: Collection[str] = (),
                  available: Collection[str] | None = None) -> list[Recommendation]:
        """The ``n`` best next items for ``customer`` (or for an explicit ``history``), each with a reason.

        Never items the customer already bought (unless ``exclude_seen=False``), never out-of-stock items,
        never ``exclude``; only ``available`` items when that is given.
        """
        popularity, copurchase = self._check()
        hist_items = list(history) if history is not None else self.history(str(customer)) if customer else []
        ids = [self.item_index_[i] for i in hist_items if i in self.item_index_][-self.max_history:]
        blocked = self._blocked(exclude_out_of_stock, exclude, available)
        if exclude_seen:
            blocked[ids] = True
        out: list[Recommendation] = []
        if ids:
            if self.sasrec_ is not None:
                from backoffice.recommend.batch import blend

                scores = blend(self.sasrec_.score([ids], exclude_seen=False),
                               copurchase.score([ids], exclude_seen=False), self.blend_weight_)[0]
                source = "sequence"
            else:
                scores, source = copurchase.score([ids], exclude_seen=False)[0], "co-purchase"
                scores = np.where(scores > 0, scores, -np.inf)
            scores = np.where(blocked, -np.inf, scores)
            top = _top(scores, n)
            out = [Recommendation(self.items_[i - 1], float(scores[i]), "", source) for i in top]
            out = self._explain(out, ids)
        if len(out) < n:
            chosen = {self.item_index_[r.item] for r in out}
            base = popularity.check().astype(np.float64).copy()
            base[blocked] = -np.inf
            base[list(chosen)] = -np.inf
            base[base <= 0] = -np.inf
            out += [Recommendation(self.items_[i - 1], float(base[i]), "popular with other shoppers", "popular")
                    for i in _top(base, n - len(out))]
        return out

    def _explain(self, recs: list[Recommendation], history: list[int]) -> list[Recommendation]:
        """Attach "often bought with X" (a co-purchase link) or "because you bought X" (closest in the model)."""
        if not recs:
            return recs
        _, copurchase = self._check()
        rec_ids = [self.item_index_[r.item] for r in recs]
        recent = list(dict.fromkeys(reversed(history)))[:50]
        links = copurchase.check()[recent][:, rec_ids].toarray()
        if self._unit_vectors is not None:
            closeness = self._unit_vectors[recent] @ self._unit_vectors[rec_ids].T
        else:
            closeness = np.zeros_like(links)
        out = []
        for col, rec in enumerate(recs):
            if links[:, col].max() > 0:
                anchor = recent[int(links[:, col].argmax())]
                reason = f"often bought with {self._title(anchor)}"
            else:
                anchor = recent[int(closeness[:, col].argmax())]
                reason = f"because you bought {self._title(anchor)}"
            out.append(Recommendation(rec.item, rec.score, reason, rec.source))
        return out

    def _title(self, index: int) -> str:
        item = self.items_[index - 1]
        return self.titles_.get(item, item)

    def similar_items(self, item: str, n: int = 10, *, exclude_out_of_stock: bool = True,
                      available: Collection[str] | None = None) -> list[Recommendation]:
        """Items bought together with ``item``, then (to fill up) items the sequence model places near it."""
        _, copurchase = self._check()
        if item not in self.item_index_:
            return []
        idx = self.item_index_[item]
        blocked = self._blocked(exclude_out_of_stock, (item,), available)
        title = self._title(idx)
        out = [Recommendation(self.items_[j - 1], s, f"often bought with {title}", "co-purchase")
               for j, s in copurchase.similar(idx, n + int(blocked.sum())) if not blocked[j]][:n]
        if len(out) < n and self._unit_vectors is not None:
            scores = self._unit_vectors @ self._unit_vectors[idx]
            scores[blocked] = -np.inf
            scores[[self.item_index_[r.item] for r in out]] = -np.inf
            out += [Recommendation(self.items_[j - 1], float(scores[j]), f"shoppers who chose {title} like this too",
                                   "similar") for j in _top(scores, n - len(out))]
        return out

    # ---------------------------------------------------------------------------------------- persistence

    def save(self, path: Path) -> Path:
        """Write the fitted model to folder ``path`` (JSON, numpy arrays and a torch state dict)."""
        popularity, copurchase = self._check()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        meta: dict[str, Any] = {
            "format": FORMAT_VERSION, "items": self.items_, "titles": self.titles_, "histories": self.histories_,
            "neighbours": self.neighbours, "max_history": self.max_history,
            "use_sequence_model": self.use_sequence_model, "sasrec": None, "blend_weight": self.blend_weight_,
        }
        np.save(path / "popularity.npy", popularity.check())
        sp.save_npz(path / "copurchase.npz", copurchase.check())
        if self.sasrec_ is not None:
            import torch

            sasrec_meta, weights = self.sasrec_.state()
            meta["sasrec"] = sasrec_meta
            torch.save(weights, path / "sasrec.pt")
        elif (path / "sasrec.pt").exists():
            (path / "sasrec.pt").unlink()
        (path / "recommender.json").write_text(json.dumps(meta), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: Path) -> Recommender:
        """Read a folder written by :meth:`save` (torch weights only, never pickled objects)."""
        path = Path(path)
        meta = json.loads((path / "recommender.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"{path}: unsupported recommender format {meta.get('format')!r}")
        model = cls(neighbours=meta["neighbours"], max_history=meta["max_history"],
                    use_sequence_model=meta["use_sequence_model"])
        model.items_ = list(meta["items"])
        model.item_index_ = {item: i + 1 for i, item in enumerate(model.items_)}
        model.titles_ = dict(meta["titles"])
        model.histories_ = {c: list(h) for c, h in meta["histories"].items()}
        model.blend_weight_ = float(meta.get("blend_weight", 0.0))
        n = len(model.items_)
        model.popularity_ = Popularity(n)
        model.popularity_.scores_ = np.load(path / "popularity.npy")
        model.copurchase_ = CoPurchase(n, neighbours=model.neighbours)
        model.copurchase_.sim_ = sp.load_npz(path / "copurchase.npz").tocsr()
        if meta["sasrec"] is not None:
            import torch

            from backoffice.recommend.sasrec import SASRec, SASRecConfig

            weights = torch.load(path / "sasrec.pt", map_location="cpu", weights_only=True)
            model.sasrec_ = SASRec.from_state(meta["sasrec"], weights)
            model.config = SASRecConfig(**meta["sasrec"]["config"])
        model._cache_vectors()
        return model


def _top(scores: np.ndarray, n: int) -> list[int]:
    """Indices of the ``n`` largest finite scores, best first."""
    if n <= 0:
        return []
    finite = np.isfinite(scores)
    k = min(n, int(finite.sum()))
    if k == 0:
        return []
    part = np.argpartition(-np.where(finite, scores, -np.inf), k - 1)[:k]
    return [int(i) for i in part[np.argsort(-scores[part], kind="stable")]]
