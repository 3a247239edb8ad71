"""The chat-facing functions on a small store database: training, live stock, fallbacks, search."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from backoffice.models import Customer, Order, OrderLine, Product
from backoffice.recommend import encoder as encoder_module
from backoffice.recommend import store
from tests.backoffice.recommend.conftest import checker_histories
from tests.backoffice.recommend.test_search import BagOfWords

START = datetime(2026, 1, 1, 9, 0)


@pytest.fixture
def shop(session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    """16 products in two taste groups plus one nobody bought; 24 customers with one order per purchase."""
    monkeypatch.setenv("SHOPDESK_RECOMMEND_DIR", str(tmp_path / "recommend"))
    fake = BagOfWords()
    monkeypatch.setattr(encoder_module, "encode", lambda texts, *a, **k: fake(texts))
    store.reset_cache()
    products = {}
    for group, word in (("a", "Tea"), ("b", "Garden")):
        for i in range(8):
            sku = f"{group}{i}"
            products[sku] = Product(sku=sku, title=f"{word} Thing {i}", description=f"A {word.lower()} thing.",
                                    price=Decimal(f"{i + 1}.50"), stock_on_hand=10)
    products["new"] = Product(sku="new", title="Tea Thing Deluxe", description="A tea thing.", price=Decimal("9"),
                              stock_on_hand=5)
    session.add_all(products.values())
    number = 1000
    for u, (user, items) in enumerate(checker_histories(24).items()):
        customer = Customer(id=500 + u, email=f"{user}@example.com", name=user, country="UK",
                            created_at=START - timedelta(days=30))
        session.add(customer)
        for k, sku in enumerate(items):
            number += 1
            product = products[sku]
            order = Order(number=str(number), customer=customer, email=customer.email,
                          status="cancelled" if (u, k) == (0, 5) else "delivered",
                          placed_at=START + timedelta(days=k, hours=u), total=product.price,
                          ship_line1="1 High St", ship_city="London", ship_postcode="N1 1AA", ship_country="UK")
            order.lines.append(OrderLine(product=product, quantity=1, unit_price=product.price))
            session.add(order)
    session.commit()
    yield session
    store.reset_cache()


def test_histories_in_time_order_without_cancelled(shop: Session) -> None:
    histories = store.order_histories(shop)
    expected = checker_histories(24)
    assert histories["501"] == expected["u1"]
    assert histories["500"] == expected["u0"][:5]  # the last order was cancelled
    assert store.customer_history(shop, 501) == expected["u1"]


def test_before_training_best_sellers(shop: Session) -> None:
    hits = store.recommend_for(shop, 500, 3)
    assert len(hits) == 3 and all(h.reason == "popular with other shoppers" for h in hits)
    assert not {h.sku for h in hits} & set(store.customer_history(shop, 500))


def test_trained_recommendations_are_personal_and_in_stock(shop: Session, tmp_path: Path) -> None:
    model = store.train(shop, epochs=3, progress=False)
    assert (tmp_path / "recommend" / "model" / "recommender.json").exists()
    assert list((tmp_path / "recommend" / "search").glob("embeddings-*.npy"))
    assert model.sasrec_ is not None
    bought = set(store.customer_history(shop, 500))
    hits = store.recommend_for(shop, 500, 4)
    assert len(hits) == 4 and not {h.sku for h in hits} & bought
    assert all(h.reason and h.stock > 0 and isinstance(h.price, Decimal) for h in hits)
    # Stock is read live: a product sold out after training is never offered.
    sold_out = shop.get(Product, shop.query(Product.id).filter(Product.sku == hits[0].sku).scalar())
    assert sold_out is not None
    sold_out.stock_on_hand = 0
    shop.commit()
    assert hits[0].sku not in {h.sku for h in store.recommend_for(shop, 500, 16)}
    assert hits[0].sku not in {h.sku for h in store.similar_to(shop, "a1", 16)}
    assert hits[0].sku not in {h.sku for h in store.search_products(shop, "tea thing", 16)}


def test_anonymous_and_exclusions(shop: Session) -> None:
    store.train(shop, epochs=2, progress=False)
    anonymous = store.recommend_for(shop, None, 3)
    assert len(anonymous) == 3 and {h.source for h in anonymous} == {"popular"}
    skipped = store.recommend_for(shop, 501, 3, exclude=[h.sku for h in store.recommend_for(shop, 501, 3)])
    assert len(skipped) == 3


def test_similar_to_falls_back_to_descriptions_for_new_products(shop: Session) -> None:
    store.train(shop, epochs=2, progress=False)
    bought_together = store.similar_to(shop, "a2", 3)
    assert len(bought_together) == 3 and all(h.sku.startswith("a") for h in bought_together)
    assert all("Tea Thing 2" in h.reason for h in bought_together)
    fresh = store.similar_to(shop, "new", 3)
    assert len(fresh) == 3 and all(h.reason == "similar to Tea Thing Deluxe" for h in fresh)


def test_search_products_applies_constraints(shop: Session) -> None:
    hits = store.search_products(shop, "garden thing under £4", 10)
    assert hits and all(h.price <= 4 for h in hits)
    assert hits[0].title.startswith("Garden")
    assert all("under £4" in h.reason for h in hits)


def test_other_colours_of_a_product(session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPDESK_RECOMMEND_DIR", str(tmp_path / "recommend"))
    fake = BagOfWords()
    monkeypatch.setattr(encoder_module, "encode", lambda texts, *a, **k: fake(texts))
    store.reset_cache()
    for sku, title, stock in (("m1", "Red Polkadot Mug", 5), ("m2", "Blue Polkadot Mug", 3),
                              ("m3", "Polkadot Mug Pink", 0), ("m4", "Green Garden Hose", 4),
                              ("m5", "Polkadot Mug", 9), ("m6", "Red Retrospot Mug", 2)):
        session.add(Product(sku=sku, title=title, description="", price=Decimal("2.50"), stock_on_hand=stock))
    session.commit()
    hits = store.other_colours(session, "m1", 5)
    # a named colour other than red, in stock; the pink one is sold out, the plain one names no colour
    assert [h.sku for h in hits][0] == "m2"
    assert {h.sku for h in hits} <= {"m2", "m4"}
    assert hits[0].reason == "blue, instead of red"
    assert store.other_colours(session, "m5", 5) == []  # no colour to change
    assert store.other_colours(session, "nope", 5) == []
    store.reset_cache()
