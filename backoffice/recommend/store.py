"""The shop's recommendations and search, read from the store database; what the chat actions call.

``train`` fits a :class:`Recommender` on every customer's order history and writes it to
``SHOPDESK_RECOMMEND_DIR`` (``var/recommend``). ``search_products``, ``recommend_for`` and ``similar_to``
answer one request each, with live stock from the database: an out-of-stock product is never returned.
The trained model and the search index are loaded once per process and reloaded when the files change.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.models import Order, OrderLine, OrderStatus, Product
from backoffice.recommend.query import colours_in, parse_query, without_colours
from backoffice.recommend.recommender import Recommendation, Recommender
from backoffice.recommend.search import CatalogueItem, ProductSearch, SearchHit
from backoffice.recommend.settings import RecommendSettings

SKIPPED_STATUSES = (OrderStatus.CANCELLED.value,)
SEARCH_TTL_SECONDS = 300.0


@dataclass(frozen=True)
class ProductHit:
    """A product card for the chat: what it is, what it costs, that it is in stock, and why it was chosen."""

    sku: str
    title: str
    price: Decimal
    stock: int
    reason: str
    score: float
    source: str
    url: str | None = None
    image: str | None = None


# ---------------------------------------------------------------------------------------------- reading the store

def order_histories(session: Session) -> dict[str, list[str]]:
    """Each customer's purchased SKUs, oldest first; a SKU bought again moves to its latest purchase."""
    rows = session.execute(
        select(Order.customer_id, Product.sku)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(Order.status.not_in(SKIPPED_STATUSES))
        .order_by(Order.customer_id, Order.placed_at, Order.id, OrderLine.id)
    )
    histories: dict[str, dict[str, None]] = {}
    for customer_id, sku in rows:
        seq = histories.setdefault(str(customer_id), {})
        seq.pop(sku, None)
        seq[sku] = None
    return {c: list(seq) for c, seq in histories.items()}


def customer_history(session: Session, customer_id: int) -> list[str]:
    """One customer's purchased SKUs, oldest first (live, so today's orders count)."""
    rows = session.execute(
        select(Product.sku)
        .join(OrderLine, OrderLine.product_id == Product.id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.customer_id == customer_id, Order.status.not_in(SKIPPED_STATUSES))
        .order_by(Order.placed_at, Order.id, OrderLine.id)
    ).scalars()
    seq: dict[str, None] = {}
    for sku in rows:
        seq.pop(sku, None)
        seq[sku] = None
    return list(seq)


def catalogue(session: Session) -> list[CatalogueItem]:
    """Every product as search sees it."""
    products = session.execute(select(Product).order_by(Product.sku)).scalars()
    return [CatalogueItem(p.sku, p.title, p.description or "", float(p.price), int(p.stock_on_hand))
            for p in products]


def _products(session: Session, skus: Iterable[str]) -> dict[str, Product]:
    wanted = list(dict.fromkeys(skus))
    if not wanted:
        return {}
    return {p.sku: p for p in session.execute(select(Product).where(Product.sku.in_(wanted))).scalars()}


# ---------------------------------------------------------------------------------------------- training

def train(session: Session, out_dir: Path | None = None, *, max_minutes: float | None = None,
          epochs: int | None = None, progress: bool = True) -> Recommender:
    """Fit the recommender on the store's order histories, save it, and build the search index cache."""
    from backoffice.recommend.sasrec import SASRecConfig

    settings = RecommendSettings()
    out = Path(out_dir or settings.recommend_dir)
    config = SASRecConfig(max_minutes=max_minutes if max_minutes is not None else settings.recommend_train_minutes)
    if epochs is not None:
        config.epochs = epochs
    titles = dict(session.execute(select(Product.sku, Product.title)).tuples().all())
    model = Recommender(config, progress=progress).fit(order_histories(session), titles)
    model.save(out / "model")
    ProductSearch(settings.embedding_model, out / "search", online=settings.embedding_online).fit(catalogue(session))
    _cache.clear()
    return model


# ---------------------------------------------------------------------------------------------- loaded models

def _limit_threads(threads: int) -> None:
    """Use ``threads`` torch and BLAS threads in this process.

    One request is a handful of small matrix products: extra threads only spin (on a busy 2-core machine a
    single product went from 0.05 ms to 28 ms).
    """
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(threads)
    threadpool_limits(threads)


class _Cache:
    """What this process has loaded.

    The recommender is reloaded when its file changes; the search index is rebuilt every few minutes
    from the catalogue (its embeddings come from the disk cache unless products changed).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.recommender: tuple[Path, float, Recommender] | None = None
        self.search: tuple[str, float, ProductSearch] | None = None
        self.limited = False
        self._settings: RecommendSettings | None = None

    def _limit(self) -> None:
        if not self.limited:
            _limit_threads(self.settings().recommend_threads)
            self.limited = True

    def clear(self) -> None:
        with self.lock:
            self.recommender = None
            self.search = None
            self._settings = None

    def settings(self) -> RecommendSettings:
        if self._settings is None:
            self._settings = RecommendSettings()
        return self._settings

    def get_recommender(self) -> Recommender | None:
        folder = self.settings().recommend_dir / "model"
        marker = folder / "recommender.json"
        if not marker.exists():
            return None
        mtime = marker.stat().st_mtime
        with self.lock:
            self._limit()
            if self.recommender is None or self.recommender[0] != folder or self.recommender[1] != mtime:
                self.recommender = (folder, mtime, Recommender.load(folder))
            return self.recommender[2]

    def get_search(self, session: Session) -> ProductSearch:
        settings = self.settings()
        key = f"{settings.recommend_dir}|{settings.embedding_model}|{session.get_bind().engine.url}"
        with self.lock:
            self._limit()
            if self.search is None or self.search[0] != key or time.monotonic() - self.search[1] > SEARCH_TTL_SECONDS:
                engine = ProductSearch(settings.embedding_model, settings.recommend_dir / "search",
                                       online=settings.embedding_online)
                self.search = (key, time.monotonic(), engine.fit(catalogue(session)))
            return self.search[2]


_cache = _Cache()


def reset_cache() -> None:
    """Forget loaded models (tests, or after retraining in the same process)."""
    _cache.clear()


# ---------------------------------------------------------------------------------------------- answering

def _cards(session: Session, picks: Sequence[tuple[str, str, float, str]], n: int) -> list[ProductHit]:
    """Turn (sku, reason, score, source) picks into cards, dropping anything out of stock right now."""
    products = _products(session, [p[0] for p in picks])
    cards = []
    for sku, reason, score, source in picks:
        product = products.get(sku)
        if product is None or product.stock_on_hand <= 0:
            continue
        cards.append(ProductHit(product.sku, product.title, Decimal(product.price), int(product.stock_on_hand),
                                reason, score, source))
        if len(cards) == n:
            break
    return cards


def _from_hits(hits: Iterable[SearchHit], source: str) -> list[tuple[str, str, float, str]]:
    return [(h.sku, h.reason, h.score, source) for h in hits]


def _from_recs(recs: Iterable[Recommendation]) -> list[tuple[str, str, float, str]]:
    return [(r.item, r.reason, r.score, r.source) for r in recs]


def search_products(session: Session, text: str, n: int = 5) -> list[ProductHit]:
    """Products matching a shopper's words and constraints ("a gift for a tea lover under £15"), in stock."""
    hits = _cache.get_search(session).search(text, 3 * n + 10, in_stock_only=True)
    return _cards(session, _from_hits(hits, "search"), n)


def other_colours(session: Session, sku: str, n: int = 5) -> list[ProductHit]:
    """The same kind of product in other colours ("Red Polkadot Mug" -> blue, pink … polkadot mugs), in stock.

    Empty when the product is unknown or its title names no colour.
    """
    product = session.execute(select(Product).where(Product.sku == sku)).scalar_one_or_none()
    colours = colours_in(product.title) if product is not None else []
    if product is None or not colours:
        return []
    query = parse_query(without_colours(product.title))
    query.colours, query.not_colours = [], colours
    hits = _cache.get_search(session).search(query, 3 * n + 10, in_stock_only=True)
    instead = " or ".join(colours)
    picks = [(h.sku, f"{', '.join(colours_in(h.title)) or 'another colour'}, instead of {instead}", h.score,
              "colour") for h in hits if h.sku != sku]
    return _cards(session, picks, n)


def best_sellers(session: Session, n: int = 5, exclude: Iterable[str] = ()) -> list[ProductHit]:
    """The most-ordered products in stock (used before any model is trained)."""
    skip = list(exclude)
    count = func.count(OrderLine.id)
    query = select(Product.sku, count).join(OrderLine, OrderLine.product_id == Product.id).where(
        Product.stock_on_hand > 0)
    if skip:
        query = query.where(Product.sku.not_in(skip))
    rows = session.execute(query.group_by(Product.sku).order_by(count.desc(), Product.sku).limit(n)).tuples().all()
    return _cards(session, [(sku, "popular with other shoppers", float(c), "popular") for sku, c in rows], n)


def recommend_for(session: Session, customer_id: int | None, n: int = 5, *,
                  exclude: Iterable[str] = ()) -> list[ProductHit]:
    """Personal suggestions for a customer (best sellers for an anonymous or new shopper), in stock."""
    history = customer_history(session, customer_id) if customer_id is not None else []
    model = _cache.get_recommender()
    if model is None:
        return best_sellers(session, n, exclude=[*history, *exclude])
    recs = model.recommend(str(customer_id) if customer_id is not None else None, 3 * n + 10, history=history,
                           exclude=set(exclude))
    return _cards(session, _from_recs(recs), n)


def similar_to(session: Session, sku: str, n: int = 5, *, exclude: Iterable[str] = ()) -> list[ProductHit]:
    """Products often bought with ``sku``; for a product nobody has bought yet, the closest by description."""
    skip = set(exclude)
    model = _cache.get_recommender()
    picks = _from_recs(model.similar_items(sku, 3 * n + 10)) if model is not None else []
    picks = [p for p in picks if p[0] not in skip]
    if len(_cards(session, picks, n)) < n:
        text_hits = _cache.get_search(session).similar(sku, 3 * n + 10)
        seen = {p[0] for p in picks} | skip
        picks += [p for p in _from_hits(text_hits, "similar") if p[0] not in seen]
    return _cards(session, picks, n)
