"""Finding the product a staff member names: by SKU or by the words of its title."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from backoffice.catalog import find_products, words_of
from backoffice.models import Product


def _catalogue(session: Session) -> None:
    session.add_all([
        Product(sku="85123A", title="White Hanging Heart T-Light Holder", price=Decimal("2.55"), stock_on_hand=9),
        Product(sku="22423", title="Regency Cakestand 3 Tier", price=Decimal("12.75"), stock_on_hand=3),
        Product(sku="85099B", title="Jumbo Bag Red Retrospot", price=Decimal("2.08"), stock_on_hand=40),
        Product(sku="20725", title="Lunch Bag Red Retrospot", price=Decimal("1.65"), stock_on_hand=12),
    ])
    session.flush()


def test_a_quoted_sku_wins_whatever_else_the_text_says(session: Session) -> None:
    _catalogue(session)
    assert [p.sku for p in find_products(session, "how many 85099b lunch bags will we sell?")] == ["85099B"]
    assert find_products(session, "forecast for 99999Z") == []


def test_title_words_pick_the_best_match_plurals_included(session: Session) -> None:
    _catalogue(session)
    assert [p.sku for p in find_products(session, "how many cakestands will we sell next month?")] == ["22423"]
    assert [p.sku for p in find_products(session, "show the forecast for the jumbo bags")] == ["85099B"]
    assert {p.sku for p in find_products(session, "red retrospot bag")} == {"85099B", "20725"}


def test_question_words_alone_name_nothing(session: Session) -> None:
    _catalogue(session)
    assert words_of("how many will we sell in the next four weeks?") == []
    assert find_products(session, "what will we sell next week?") == []
