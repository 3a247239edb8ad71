"""Stock on hand: one product by SKU, or the products closest to running out."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.models import Product


def product_by_sku(session: Session, sku: str) -> Product | None:
    """The product with this SKU (case-insensitive), or None."""
    return session.scalars(select(Product).where(func.upper(Product.sku) == sku.strip().upper())).first()


def lowest_stock(session: Session, *, limit: int = 10) -> list[Product]:
    """The products with the fewest units on hand, fewest first."""
    return list(session.scalars(select(Product).order_by(Product.stock_on_hand, Product.sku).limit(limit)))
