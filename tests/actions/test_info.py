from __future__ import annotations

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.confirm import ActionAnswerConfirmation
from actions.deps import Deps
from actions.info import ActionAnswerPolicy, ActionGreet
from backoffice.knowledge import Rules
from tests.actions.conftest import responses, signed, tracker


async def test_policy_answers_come_from_the_shops_file(deps: Deps) -> None:
    deps.kb = deps.kb.model_copy(update={"rules": Rules(return_window_days=14)})
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerPolicy().run(dispatcher, tracker(intent="check_refund_policy"), {})
    assert events == [SlotSet("pending_change", None)]
    assert "within 14 days of delivery" in dispatcher.messages[0]["text"]


async def test_payment_trouble_offers_a_person(deps: Deps) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerPolicy().run(dispatcher, tracker(intent="payment_issue"), {})
    assert events == [SlotSet("pending_change", "handoff")]
    assert responses(dispatcher)[1] == "utter_offer_handoff"


async def test_topic_the_shop_has_not_written_offers_a_person(deps: Deps) -> None:
    deps.kb = deps.kb.model_copy(update={"answers": {}})
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerPolicy().run(dispatcher, tracker(intent="review"), {})
    assert events == [SlotSet("pending_change", "handoff")]


async def test_greets_a_signed_in_shopper_by_first_name(deps: Deps) -> None:
    dispatcher = CollectingDispatcher()
    await ActionGreet().run(dispatcher, tracker(intent="greet", metadata=signed(101)), {})
    assert dispatcher.messages[0]["response"] == "utter_greet_customer"
    assert dispatcher.messages[0]["name"] == "Alice"


async def test_yes_with_nothing_pending_is_just_acknowledged(deps: Deps) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerConfirmation().run(dispatcher, tracker(intent="affirm"), {})
    assert responses(dispatcher) == ["utter_nothing_pending"]
