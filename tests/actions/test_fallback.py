from __future__ import annotations

import json
from typing import Any

from rasa_sdk.events import UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.deps import Deps
from actions.fallback import (
    ActionClarify,
    ActionDefaultFallback,
    ActionOtherLanguage,
    ActionOutOfScope,
    carried_entities,
    misses_in_a_row,
)
from backoffice.models import SupportTicket
from tests.actions.conftest import responses, signed, tracker


def unsure(text: str, *names: str, entities: list[dict[str, Any]] | None = None,
           events: list[dict[str, Any]] | None = None, metadata: dict[str, Any] | None = None):
    tr = tracker(intent="nlu_fallback", text=text, entities=entities, events=events, metadata=metadata)
    tr.latest_message["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.5}] + [
        {"name": n, "confidence": round(0.4 - 0.1 * i, 2)} for i, n in enumerate(names)]
    return tr


def user_turn(intent: str, text: str = "") -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}, "entities": []}}


def tickets(deps: Deps) -> list[SupportTicket]:
    with deps.sessions() as session:
        return list(session.scalars(select(SupportTicket)))


async def test_offers_the_likely_meanings_in_shop_words_and_something_else(deps: Deps) -> None:
    dispatcher = CollectingDispatcher()
    await ActionClarify().run(dispatcher, unsure("hi can u check", "track_order", "change_order", "greet"), {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_clarify"
    assert [(b["title"], b["payload"]) for b in message["buttons"]] == [
        ("Track an order", "/track_order"), ("Change an order", "/change_order"),
        ("Something else", "/something_else")]


async def test_buttons_keep_the_order_number_and_email_already_given(deps: Deps) -> None:
    entities = [{"entity": "order_number", "value": "581474"}, {"entity": "email", "value": "jo@example.com"}]
    dispatcher = CollectingDispatcher()
    await ActionClarify().run(dispatcher, unsure("hi, check 581474 jo@example.com", "track_order",
                                                 entities=entities), {})
    payload = dispatcher.messages[0]["buttons"][0]["payload"]
    assert payload.startswith("/track_order{")
    assert json.loads(payload[len("/track_order"):]) == {"order_number": "581474", "email": "jo@example.com"}


async def test_at_most_three_meanings_and_never_unlikely_ones(deps: Deps) -> None:
    tr = unsure("hmm", "track_order", "cancel_order", "get_refund", "delivery_period")
    dispatcher = CollectingDispatcher()
    await ActionClarify().run(dispatcher, tr, {})
    assert len(dispatcher.messages[0]["buttons"]) == 4  # three meanings + "Something else"
    tr.latest_message["intent_ranking"] = [{"name": "track_order", "confidence": 0.01}]
    dispatcher = CollectingDispatcher()
    await ActionClarify().run(dispatcher, tr, {})
    assert responses(dispatcher) == ["utter_ask_rephrase"]


async def test_operator_meanings_only_for_operators(deps: Deps) -> None:
    dispatcher = CollectingDispatcher()
    await ActionClarify().run(dispatcher, unsure("stock thing", "stock_report", "track_order"), {})
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/track_order", "/something_else"]
    dispatcher = CollectingDispatcher()
    operator = signed(None, role="operator")
    await ActionClarify().run(dispatcher, unsure("stock thing", "stock_report", "track_order", metadata=operator), {})
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]][:2] == ["Stock levels", "Track an order"]


async def test_a_second_miss_offers_a_person_not_another_guess(deps: Deps) -> None:
    history = [user_turn("greet", "hi"), user_turn("nlu_fallback", "blah"), user_turn("something_else")]
    tr = unsure("the thing with the stuff", "track_order", events=history)
    assert misses_in_a_row(tr) == 3
    dispatcher = CollectingDispatcher()
    assert await ActionClarify().run(dispatcher, tr, {}) == []
    assert responses(dispatcher) == ["utter_offer_person"]
    assert tickets(deps) == []


async def test_an_upset_shopper_is_never_told_off_topic(deps: Deps) -> None:
    text = "this is ridiculous, my parcel is late again and nobody tells me anything!!"
    tr = tracker(intent="out_of_scope", text=text)
    dispatcher = CollectingDispatcher()
    await ActionOutOfScope().run(dispatcher, tr, {})
    assert responses(dispatcher)[:2] == ["utter_sorry_upset", "utter_handoff_queue"]
    [ticket] = tickets(deps)
    assert ticket.reason == "complaint"


async def test_an_unsure_message_that_may_be_a_complaint_goes_to_a_person(deps: Deps) -> None:
    dispatcher = CollectingDispatcher()
    await ActionClarify().run(dispatcher, unsure("the lamp came in bits", "complaint", "get_refund"), {})
    assert responses(dispatcher)[0] == "utter_sorry_upset"
    assert [t.reason for t in tickets(deps)] == ["complaint"]


async def test_off_topic_gets_the_polite_scope_answer(deps: Deps) -> None:
    dispatcher = CollectingDispatcher()
    await ActionOutOfScope().run(dispatcher, tracker(intent="out_of_scope", text="will it rain in Leeds tomorrow"), {})
    assert responses(dispatcher) == ["utter_out_of_scope"]
    assert tickets(deps) == []


async def test_off_topic_after_a_miss_offers_a_person(deps: Deps) -> None:
    tr = tracker(intent="out_of_scope", text="what is the meaning of life", events=[user_turn("nlu_fallback", "x")])
    dispatcher = CollectingDispatcher()
    await ActionOutOfScope().run(dispatcher, tr, {})
    assert responses(dispatcher) == ["utter_offer_person"]


async def test_another_language_is_answered_in_english_naming_it(deps: Deps) -> None:
    tr = tracker(intent="other_language", text="wo ist meine Bestellung")
    tr.latest_message["language"] = "german"
    dispatcher = CollectingDispatcher()
    await ActionOtherLanguage().run(dispatcher, tr, {})
    assert dispatcher.messages[0]["response"] == "utter_other_language_named"
    assert dispatcher.messages[0]["language"] == "German"
    dispatcher = CollectingDispatcher()
    await ActionOtherLanguage().run(dispatcher, tracker(intent="other_language", text="?"), {})
    assert responses(dispatcher) == ["utter_other_language"]


def test_carried_entities_keeps_the_first_value_of_each_type() -> None:
    tr = tracker(entities=[{"entity": "order_number", "value": "581474"},
                           {"entity": "order_number", "value": "581475"}, {"entity": "sku", "value": "85123A"}])
    assert carried_entities(tr) == {"order_number": "581474", "sku": "85123A"}


async def test_unsure_dialogue_asks_to_rephrase_and_reverts(deps: Deps) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionDefaultFallback().run(dispatcher, tracker(intent="inform"), {})
    assert events == [UserUtteranceReverted()]
    assert responses(dispatcher) == ["utter_ask_rephrase"]
