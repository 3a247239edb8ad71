"""Find the product a staff member means: by SKU, or by the words of its title."""

from __future__ import annotations

import re

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from backoffice.models import Product

SKU = re.compile(r"(?<![0-9A-Za-z])([0-9]{5}[A-Za-z]{0,2})(?![0-9A-Za-z])")
_WORD = re.compile(r"[a-z]+")
# Words of the questions themselves, never part of what product is meant.
_NOISE = frozenset("""
a an and any are be by can do for forecast from graph how i in is it many me much next of on our over please
sell selling sold show the this to units us we what will with week weeks day days month months chart plot
stock left have expect expected demand predict prediction sales going get see let one two three four five six
seven eight nine ten twelve fortnight coming""".split())


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def words_of(text: str) -> list[str]:
    """The words of ``text`` that could name a product (lower case, singular, no question words)."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _NOISE and len(w) > 2]


def find_products(session: Session, text: str, *, limit: int = 3) -> list[Product]:
    """Products the text names: the SKU it quotes, else those whose title shares the most words with it."""
    quoted = SKU.search(text)
    if quoted:
        exact = session.scalars(select(Product).where(func.upper(Product.sku) == quoted.group(1).upper())).first()
        return [exact] if exact else []
    wanted = words_of(text)
    if not wanted:
        return []
    candidates = session.scalars(
        select(Product).where(or_(*(func.lower(Product.title).like(f"%{w}%") for w in wanted))).limit(500)
    ).all()
    scored = []
    for product in candidates:
        title = {_stem(w) for w in _WORD.findall(product.title.lower())}
        score = sum(1 for w in wanted if w in title)
        if score:
            scored.append((-score, len(title), product.sku, product))
    scored.sort(key=lambda item: item[:3])
    best = scored[0][0] if scored else 0
    return [p for s, _, _, p in scored if s == best][:limit]
