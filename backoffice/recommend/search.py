"""Semantic product search.

Sentence embeddings of title + description, cosine ranking with numpy, and the
shopper's constraints (price range, colour, pack size, in stock) from :mod:`backoffice.recommend.query`.

The catalogue's embedding matrix is built once and cached on disk under a hash of the encoder and the texts,
so a restart (or another process) reuses it; only a changed catalogue is encoded again.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from backoffice.recommend.query import COLOURS, Query, parse_query
from backoffice.recommend.settings import PACKAGED_MODEL

Encoder = Callable[[list[str]], np.ndarray]
_PACK = re.compile(r"\b(?:set|pack|box|packet|bag|tin|tube|roll|bundle)\s*(?:of\s*|/\s*)?(\d+)\b|\b(\d+)\s*-?\s*"
                   r"(?:pack|pcs|pieces|piece)\b", re.I)
_WORD = re.compile(r"[a-z]+")
_STOP = {"a", "an", "the", "for", "of", "to", "and", "or", "with", "in", "on", "my", "me", "i", "some", "something",
         "gift", "present", "who", "loves", "lover", "like", "likes", "want", "need", "looking", "find", "show",
         "any", "have", "you", "do", "is", "are", "please", "what", "would", "that", "this", "it", "her", "his"}


@dataclass(frozen=True)
class CatalogueItem:
    """One product as search sees it."""

    sku: str
    title: str
    description: str = ""
    price: float = 0.0
    stock: int = 0
    url: str | None = None
    image: str | None = None

    @property
    def text(self) -> str:
        return f"{self.title}. {self.description}".strip()


@dataclass(frozen=True)
class SearchHit:
    """A product that matched, with its cosine score and a short reason."""

    sku: str
    title: str
    price: float
    stock: int
    score: float
    reason: str
    url: str | None = None
    image: str | None = None


def pack_size(title: str) -> int | None:
    """The pack size in a product title ("Set/6 Paper Cups", "Pack of 72 Cake Cases") or None."""
    match = _PACK.search(title)
    if not match:
        return None
    return int(match.group(1) or match.group(2))


def catalogue_hash(model: str, items: Sequence[CatalogueItem]) -> str:
    """A key for the embedding cache: the encoder's name and every product's text."""
    digest = hashlib.sha256(model.encode())
    for item in items:
        digest.update(b"\0" + item.sku.encode() + b"\1" + item.text.encode())
    return digest.hexdigest()[:24]


class ProductSearch:
    """The product search engine.

    Builds the embedding index once (``fit``), then answers ``search`` in a few milliseconds plus one
    query encoding. ``encoder`` overrides the sentence encoder (tests pass a cheap one).
    """

    def __init__(self, model: str = PACKAGED_MODEL, cache_dir: Path | None = None, *, online: bool = False,
                 encoder: Encoder | None = None) -> None:
        self.model = model
        self.cache_dir = cache_dir
        self.online = online
        self.encoder = encoder
        self.items_: list[CatalogueItem] = []
        self.vectors_: np.ndarray | None = None
        self.index_: dict[str, int] = {}
        self._prices = np.zeros(0)
        self._stock = np.zeros(0, dtype=np.int64)
        self._packs = np.zeros(0, dtype=np.int64)
        self._words: dict[str, np.ndarray] = {}
        self._colour_masks: dict[str, np.ndarray] = {}

    def _encode(self, texts: list[str]) -> np.ndarray:
        if self.encoder is not None:
            vectors = np.asarray(self.encoder(texts), dtype=np.float32)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            return vectors / np.maximum(norms, 1e-12)
        from backoffice.recommend.encoder import encode

        return encode(texts, self.model, self.online)

    def fit(self, items: Sequence[CatalogueItem]) -> ProductSearch:
        """Embed the catalogue, or load its cached embeddings; returns self."""
        self._set_items(list(items))
        key = catalogue_hash(self.model if self.encoder is None else f"custom:{self.model}", self.items_)
        path = self.cache_dir / f"embeddings-{key}.npy" if self.cache_dir else None
        if path is not None and path.exists():
            self.vectors_ = np.load(path)
        else:
            texts = [item.text for item in self.items_]
            self.vectors_ = self._encode(texts) if texts else np.zeros((0, 1), dtype=np.float32)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(path.name + f".{os.getpid()}.tmp.npy")
                np.save(tmp, self.vectors_)
                os.replace(tmp, path)
        return self

    def _set_items(self, items: list[CatalogueItem]) -> None:
        """Keep the items and the arrays the filters use (prices, stock, pack sizes, title words)."""
        self.items_ = items
        self.index_ = {item.sku: i for i, item in enumerate(items)}
        self._prices = np.array([item.price for item in items], dtype=np.float64)
        self._stock = np.array([item.stock for item in items], dtype=np.int64)
        self._packs = np.array([pack_size(item.title) or 0 for item in items], dtype=np.int64)
        postings: dict[str, list[int]] = {}
        for i, item in enumerate(items):
            for word in set(_WORD.findall(item.title.lower())):
                postings.setdefault(word, []).append(i)
        self._words = {w: np.array(ix, dtype=np.int64) for w, ix in postings.items()}
        self._colour_masks = {}

    def update_stock(self, stock: Mapping[str, int]) -> None:
        """Refresh units on hand (and nothing else) without re-embedding."""
        for sku, units in stock.items():
            if sku in self.index_:
                self._stock[self.index_[sku]] = int(units)
        self.items_ = [item if item.sku not in stock else
                       CatalogueItem(item.sku, item.title, item.description, item.price, int(stock[item.sku]),
                                     item.url, item.image) for item in self.items_]

    def _check(self) -> np.ndarray:
        if self.vectors_ is None:
            raise RuntimeError("ProductSearch is not fitted: call fit(items) first")
        return self.vectors_

    def search(self, text: str | Query, n: int = 5, *, in_stock_only: bool = True,
               stock: Mapping[str, int] | None = None) -> list[SearchHit]:
        """The ``n`` best products for ``text`` that satisfy its constraints (in stock unless told otherwise)."""
        vectors = self._check()
        query = text if isinstance(text, Query) else parse_query(text)
        words = query.text or query.raw
        if not self.items_:
            return []
        scores = vectors @ self._encode([words or "gift"])[0]
        scores = scores + 0.05 * self._lexical(words)
        allowed = self._filter(query, in_stock_only, stock)
        scores = np.where(allowed, scores, -np.inf)
        top = np.argsort(-scores, kind="stable")[:n]
        reason = _reason(query)
        return [self._hit(int(i), float(scores[i]), reason, stock) for i in top if np.isfinite(scores[i])]

    def similar(self, sku: str, n: int = 5, *, in_stock_only: bool = True,
                stock: Mapping[str, int] | None = None) -> list[SearchHit]:
        """Products whose text is closest to ``sku``'s (for new products nobody has bought yet)."""
        vectors = self._check()
        if sku not in self.index_:
            return []
        row = self.index_[sku]
        scores = vectors @ vectors[row]
        scores[row] = -np.inf
        allowed = self._filter(Query(text=""), in_stock_only, stock)
        scores = np.where(allowed, scores, -np.inf)
        top = np.argsort(-scores, kind="stable")[:n]
        reason = f"similar to {self.items_[row].title}"
        return [self._hit(int(i), float(scores[i]), reason, stock) for i in top if np.isfinite(scores[i])]

    def _lexical(self, words: str) -> np.ndarray:
        """Share of the query's content words found in each title (a small tie-breaker for exact names)."""
        terms = {w for w in _WORD.findall(words.lower()) if w not in _STOP and len(w) > 2}
        out = np.zeros(len(self.items_), dtype=np.float32)
        for term in terms:
            hits = {*self._words.get(term, ()), *self._words.get(term.rstrip("s"), ())} if term.endswith("s") \
                else set(self._words.get(term, ()))
            if hits:
                out[np.fromiter(hits, dtype=np.int64)] += 1.0 / len(terms)
        return out

    def _filter(self, query: Query, in_stock_only: bool, stock: Mapping[str, int] | None) -> np.ndarray:
        """Which products satisfy the constraints (vectorised: no per-product Python work per request)."""
        keep = np.ones(len(self.items_), dtype=bool)
        if in_stock_only or query.in_stock:
            units = self._stock
            if stock is not None:
                units = units.copy()
                for sku, value in stock.items():
                    if sku in self.index_:
                        units[self.index_[sku]] = value
            keep &= units > 0
        if query.max_price is not None:
            keep &= self._prices <= float(query.max_price) + 1e-9
        if query.min_price is not None:
            keep &= self._prices >= float(query.min_price) - 1e-9
        if query.colours:
            keep &= np.any([self._colour(c) for c in query.colours], axis=0)
        if query.not_colours:  # "another colour": a named colour, and not one of these
            keep &= np.any([self._colour(c) for c in sorted(set(COLOURS.values()))], axis=0)
            keep &= ~np.any([self._colour(c) for c in query.not_colours], axis=0)
        if query.quantity is not None:
            keep &= self._packs == query.quantity
        return keep

    def _colour(self, colour: str) -> np.ndarray:
        if colour not in self._colour_masks:
            pattern = re.compile(rf"\b{re.escape(colour)}\b", re.I)
            self._colour_masks[colour] = np.array([bool(pattern.search(item.text)) for item in self.items_])
        return self._colour_masks[colour]

    def _hit(self, i: int, score: float, reason: str, stock: Mapping[str, int] | None) -> SearchHit:
        item = self.items_[i]
        units = stock.get(item.sku, item.stock) if stock is not None else item.stock
        return SearchHit(item.sku, item.title, item.price, units, score, reason, item.url, item.image)


def _reason(query: Query) -> str:
    what = query.text or query.raw
    constraints = query.describe()
    base = f"matches “{what}”" if what else "matches your search"
    return f"{base} ({constraints})" if constraints else base
