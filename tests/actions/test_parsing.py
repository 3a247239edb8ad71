from __future__ import annotations

import pytest

from actions.parsing import days_in, means_newest, mistyped_order_number, pick_from_list


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


@pytest.mark.parametrize(("text", "days"), [
    ("how many will we sell in the next four weeks?", 28), ("what runs out in 14 days", 14),
    ("sales next month", 28), ("over the next 2 weeks", 14), ("in a fortnight", 14), ("this week", 7),
    ("what will we sell", 30), ("in 3 months", 84),
])
def test_days_in_reads_the_span_of_a_question(text: str, days: int) -> None:
    assert days_in(text, 30) == days
