from __future__ import annotations

import pytest

from actions.parsing import means_newest, mistyped_order_number, pick_from_list


@pytest.mark.parametrize(("text", "newest"), [
    ("my last order", True), ("the latest one", True), ("most recent please", True), ("the last one", False)])
def test_means_newest(text: str, newest: bool) -> None:
    assert means_newest(text) is newest


def test_pick_from_list() -> None:
    items = ["a", "b", "c"]
    assert [pick_from_list(o, items) for o in ("first", "2nd", "number 3", "last", "fourth", None)] == [
        "a", "b", "c", "c", None, None]


@pytest.mark.parametrize(("text", "token"), [("12345", "12345"), ("#12", "12"), ("the second one", None),
                                             ("jo@x.com", None)])
def test_mistyped_order_number(text: str, token: str | None) -> None:
    assert mistyped_order_number(text) == token
