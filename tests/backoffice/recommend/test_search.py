"""Product search on a tiny catalogue: constraints, stock, the embedding cache, and the real MiniLM offline."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import numpy as np
import pytest

from backoffice.recommend.search import CatalogueItem, ProductSearch, pack_size

CATALOGUE = [
    CatalogueItem("T1", "Vintage Teapot", "A china teapot for tea lovers.", 12.5, 4),
    CatalogueItem("T2", "Red Tea Cup and Saucer", "Fine bone china tea cup.", 4.95, 10),
    CatalogueItem("T3", "Luxury Tea Tin Set", "Three tins for loose tea.", 24.0, 3),
    CatalogueItem("T4", "Pink Teapot Cosy", "Keeps the tea warm.", 6.0, 0),
    CatalogueItem("C1", "Set/6 Red Spotty Paper Cups", "Party cups.", 0.85, 50),
    CatalogueItem("C2", "Pack of 12 Blue Paper Cups", "Party cups.", 1.25, 50),
    CatalogueItem("L1", "Grey Hanging Lantern", "Metal lantern for candles.", 8.5, 7),
]


class BagOfWords:
    """A cheap deterministic encoder: hashed words (so tests need no model)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().replace(".", " ").replace("/", " ").split():
                out[row, int(hashlib.md5(word.rstrip("s").encode()).hexdigest(), 16) % 64] += 1
        return out + 1e-3


@pytest.fixture
def search(tmp_path: Path) -> ProductSearch:
    return ProductSearch("bow", tmp_path, encoder=BagOfWords()).fit(CATALOGUE)


def test_finds_tea_things_under_a_price(search: ProductSearch) -> None:
    hits = search.search("a gift for a tea lover under £15", 5)
    skus = [h.sku for h in hits]
    assert skus and set(skus) <= {"T1", "T2", "C1", "C2", "L1"}
    assert skus[0] in {"T1", "T2"}
    assert all(h.price <= 15 for h in hits)
    assert "T3" not in skus  # £24
    assert all("under £15" in h.reason for h in hits)


def test_out_of_stock_never_returned(search: ProductSearch) -> None:
    assert "T4" not in {h.sku for h in search.search("pink teapot cosy", 10)}
    assert "T4" in {h.sku for h in search.search("pink teapot cosy", 10, in_stock_only=False)}
    search.update_stock({"T1": 0})
    assert "T1" not in {h.sku for h in search.search("teapot", 10)}
    assert "T2" not in {h.sku for h in search.search("tea cup", 10, stock={"T2": 0})}


def test_colour_quantity_and_range(search: ProductSearch) -> None:
    assert search.search("red paper cups", 1)[0].sku == "C1"
    assert {h.sku for h in search.search("red things", 10)} == {"C1", "T2"}
    assert [h.sku for h in search.search("set of 6 cups", 5)] == ["C1"]
    assert [h.sku for h in search.search("pack of 12 cups", 5)] == ["C2"]
    assert {h.sku for h in search.search("between £5 and £10", 10)} == {"L1"}
    assert {h.sku for h in search.search("grey lantern", 10)} == {"L1"}


def test_similar_by_text(search: ProductSearch) -> None:
    similar = search.similar("C1", 2)
    assert similar[0].sku == "C2"
    assert similar[0].reason == "similar to Set/6 Red Spotty Paper Cups"
    assert search.similar("nope", 2) == []


def test_embeddings_are_cached_by_catalogue(tmp_path: Path) -> None:
    encoder = BagOfWords()
    ProductSearch("bow", tmp_path, encoder=encoder).fit(CATALOGUE)
    assert encoder.calls == 1 and len(list(tmp_path.glob("embeddings-*.npy"))) == 1
    again = ProductSearch("bow", tmp_path, encoder=encoder).fit(CATALOGUE)
    assert encoder.calls == 1  # loaded from disk
    again.search("teapot", 1)
    assert encoder.calls == 2  # the query only
    ProductSearch("bow", tmp_path, encoder=encoder).fit(CATALOGUE[:-1])
    assert encoder.calls == 3 and len(list(tmp_path.glob("embeddings-*.npy"))) == 2


def test_unfitted_search_refuses() -> None:
    with pytest.raises(RuntimeError):
        ProductSearch(encoder=BagOfWords()).search("tea")


@pytest.mark.parametrize(("title", "size"), [("Set/6 Red Spotty Paper Cups", 6), ("Pack of 72 Skull Cake Cases", 72),
                                             ("Box of 9 Pebble Candles", 9), ("Set 3 Retrospot Tea", 3),
                                             ("Vintage Teapot", None)])
def test_pack_size(title: str, size: int | None) -> None:
    assert pack_size(title) == size


@pytest.mark.slow
def test_real_minilm_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The packaged all-MiniLM-L6-v2 loads without network and ranks by meaning."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    started = time.monotonic()
    search = ProductSearch(cache_dir=tmp_path).fit(CATALOGUE)
    assert time.monotonic() - started < 120
    hits = search.search("something for someone who loves a cuppa", 2)
    assert hits[0].sku in {"T1", "T2", "T3"}
    assert search.search("light for the garden at night", 1)[0].sku == "L1"
