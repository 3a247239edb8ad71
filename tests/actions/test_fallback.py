from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.deps import Deps
from actions.fallback import ActionAskAffirmation
from tests.actions.conftest import tracker


def with_ranking(*names: str):
    tr = tracker(intent="nlu_fallback", text="wher parcl")
    tr.latest_message["intent_ranking"] = [{"name": n, "confidence": 0.3} for n in names]
    return tr


async def test_asks_about_the_best_real_guess_in_plain_words(deps: Deps) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskAffirmation().run(dispatcher, with_ranking("nlu_fallback", "track_order", "greet"), {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_ask_affirmation" and message["intent_words"] == "track an order"
    assert [b["payload"] for b in message["buttons"]] == ["/track_order", "/out_of_scope"]


async def test_without_a_real_guess_asks_to_rephrase(deps: Deps) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskAffirmation().run(dispatcher, with_ranking("nlu_fallback", "greet"), {})
    assert dispatcher.messages[0]["response"] == "utter_ask_rephrase"
