"""Slots filled by a hand-typed ``/intent{json}`` with the wrong types never crash an action."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.confirm import ActionAnswerConfirmation
from actions.deps import Deps
from actions.orders import ActionDeliveryPeriod, ActionHandleOrder
from actions.recommend import ActionSearchProducts, ActionSimilarItems
from actions.slots import list_slot, text_slot
from tests.actions.conftest import tracker

ODD = [["600001"], {"order": "600001"}, 600001, 6.0e5, True, None, "x" * 10_000]


@pytest.mark.parametrize("value", ODD, ids=[type(v).__name__ for v in ODD])
def test_text_slots_are_strings_or_nothing(value: Any) -> None:
    read = text_slot(tracker(slots={"order_email": value}), "order_email")
    assert read is None or (isinstance(read, str) and len(read) <= 500)


def test_list_slots_keep_only_their_strings() -> None:
    assert list_slot(tracker(slots={"listed_orders": ["600001", 7, None, ["x"]]}), "listed_orders") == ["600001"]
    assert list_slot(tracker(slots={"listed_orders": "600001"}), "listed_orders") == []


@pytest.mark.parametrize("value", ODD, ids=[type(v).__name__ for v in ODD])
async def test_actions_answer_politely_whatever_the_slots_hold(deps: Deps, value: Any) -> None:
    slots = {"order_number": value, "order_email": value, "order_goal": value, "new_address": value,
             "pending_change": value, "last_query": value, "listed_products": value}
    for action in (ActionDeliveryPeriod(), ActionHandleOrder(), ActionAnswerConfirmation(), ActionSearchProducts(),
                   ActionSimilarItems()):
        dispatcher = CollectingDispatcher()
        await action.run(dispatcher, tracker(intent="affirm", text="yes", slots=slots), {})
        assert dispatcher.messages, action.name()  # it answered, and did not raise
