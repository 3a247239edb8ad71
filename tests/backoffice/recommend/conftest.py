"""Tiny synthetic shoppers for the recommendation tests: two taste groups that buy in a fixed cycle."""

from __future__ import annotations

import numpy as np
import pytest


def checker_histories(users: int = 40, items_per_group: int = 8, length: int = 6,
                      seed: int = 0) -> dict[str, list[str]]:
    """Even users buy only ``a*`` items, odd users only ``b*`` items, each walking its group's cycle in order
    from a random start, so the next item is predictable from the last one."""
    rng = np.random.default_rng(seed)
    out = {}
    for u in range(users):
        group = "a" if u % 2 == 0 else "b"
        start = int(rng.integers(items_per_group))
        out[f"u{u}"] = [f"{group}{(start + k) % items_per_group}" for k in range(length)]
    return out


@pytest.fixture
def histories() -> dict[str, list[str]]:
    return checker_histories()


@pytest.fixture
def titles() -> dict[str, str]:
    return {f"{g}{i}": f"Item {g.upper()}{i}" for g in "ab" for i in range(8)}
