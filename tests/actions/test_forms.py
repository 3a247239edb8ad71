from __future__ import annotations

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.deps import Deps
from actions.forms import ActionAskOrderNumber, ValidateOrderForm
from tests.actions.conftest import responses, signed, tracker

DOMAIN = {"forms": {"order_form": {"required_slots": ["order_number", "order_email", "new_address"]}}}


async def run_form(tr) -> tuple[list, CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = await ValidateOrderForm().run(dispatcher, tr, DOMAIN)
    return events, dispatcher


async def test_signed_in_shopper_gets_own_order_without_email(deps: Deps) -> None:
    tr = tracker(new_slots={"order_number": "600004"}, slots={"requested_slot": "order_number"}, metadata=signed(101))
    events, dispatcher = await run_form(tr)
    assert events == [SlotSet("order_number", "600004"), SlotSet("requested_slot", None)]
    assert dispatcher.messages == []


async def test_foreign_order_is_answered_like_an_unknown_one(deps: Deps) -> None:
    foreign, _ = await run_form(tracker(new_slots={"order_number": "700001"},
                                        slots={"requested_slot": "order_number"}, metadata=signed(101)))
    unknown, _ = await run_form(tracker(new_slots={"order_number": "999999"},
                                        slots={"requested_slot": "order_number"}, metadata=signed(101)))
    assert SlotSet("order_number", None) in foreign and SlotSet("order_number", None) in unknown
    assert foreign == unknown


async def test_anonymous_shopper_must_give_the_orders_email(deps: Deps) -> None:
    events, _ = await run_form(tracker(new_slots={"order_number": "600004"}, slots={"requested_slot": "order_number"}))
    assert events == [SlotSet("order_number", "600004"), SlotSet("requested_slot", "order_email")]

    wrong, dispatcher = await run_form(tracker(slots={"order_number": "600004", "requested_slot": "order_email"},
                                                 new_slots={"order_email": "eve@example.com"}))
    assert SlotSet("order_number", None) in wrong and SlotSet("order_email", None) in wrong
    assert responses(dispatcher) == ["utter_order_not_found_email"]

    right, _ = await run_form(tracker(slots={"order_number": "600004", "requested_slot": "order_email"},
                                             new_slots={"order_email": "Alice@Example.com"}))
    assert SlotSet("order_email", "alice@example.com") in right
    assert right[-1] == SlotSet("requested_slot", None)


async def test_forged_unsigned_customer_id_is_ignored(deps: Deps) -> None:
    forged = {"shopdesk": {"customer_id": 101, "role": "shopper", "issued_at": 0, "signature": "x" * 64}}
    events, _ = await run_form(tracker(new_slots={"order_number": "600004"},
                                       slots={"requested_slot": "order_number"}, metadata=forged))
    assert events[-1] == SlotSet("requested_slot", "order_email")


async def test_malformed_order_number_is_refused_politely(deps: Deps) -> None:
    events, dispatcher = await run_form(tracker(new_slots={"order_number": "12ab"},
                                                slots={"requested_slot": "order_number"}, metadata=signed(101)))
    assert SlotSet("order_number", None) in events
    assert responses(dispatcher) == ["utter_bad_order_number"]


async def test_the_second_one_picks_from_the_listed_orders(deps: Deps) -> None:
    tr = tracker(text="the second one", entities=[{"entity": "ordinal", "value": "second"}],
                 slots={"listed_orders": ["600001", "600002", "600003"], "requested_slot": "order_number"},
                 metadata=signed(101))
    events, _ = await run_form(tr)
    assert SlotSet("order_number", "600002") in events
    assert events[-1] == SlotSet("requested_slot", None)


async def test_address_change_asks_for_the_new_address_only_when_allowed(deps: Deps) -> None:
    allowed, _ = await run_form(tracker(new_slots={"order_number": "600002"}, metadata=signed(101),
                                       slots={"order_goal": "change_address", "requested_slot": "order_number"}))
    assert allowed[-1] == SlotSet("requested_slot", "new_address")
    shipped, _ = await run_form(tracker(new_slots={"order_number": "600004"}, metadata=signed(101),
                                       slots={"order_goal": "change_address", "requested_slot": "order_number"}))
    assert shipped[-1] == SlotSet("requested_slot", None)


async def test_incomplete_address_is_asked_again(deps: Deps) -> None:
    events, dispatcher = await run_form(tracker(
        slots={"order_number": "600002", "order_goal": "change_address", "requested_slot": "new_address"},
        new_slots={"new_address": "home"}, metadata=signed(101)))
    assert SlotSet("new_address", None) in events
    assert responses(dispatcher) == ["utter_bad_address"]


async def test_signed_in_shopper_is_offered_recent_orders_as_buttons(deps: Deps) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionAskOrderNumber().run(dispatcher, tracker(metadata=signed(101)), {})
    assert events == [SlotSet("listed_orders", ["600001", "600002", "600003", "600004", "600005"])]
    [message] = dispatcher.messages
    assert message["response"] == "utter_pick_order"
    assert message["buttons"][0]["payload"] == '/inform{"order_number":"600001"}'


async def test_anonymous_shopper_is_asked_for_the_number(deps: Deps) -> None:
    dispatcher = CollectingDispatcher()
    assert await ActionAskOrderNumber().run(dispatcher, tracker(), {}) == []
    assert responses(dispatcher) == ["utter_ask_order_number"]


async def test_my_last_order_means_the_newest_one_when_nothing_was_listed(deps: Deps) -> None:
    tr = tracker(intent="track_order", text="where is my last order",
                 entities=[{"entity": "ordinal", "value": "last"}], metadata=signed(101))
    events, _ = await run_form(tr)
    assert SlotSet("order_number", "600001") in events


async def test_my_last_order_needs_a_signed_in_shopper(deps: Deps) -> None:
    tr = tracker(intent="track_order", text="where is my last order", entities=[{"entity": "ordinal", "value": "last"}])
    events, _ = await run_form(tr)
    assert not any(e.get("name") == "order_number" for e in events)


async def test_my_last_order_is_the_newest_even_after_a_list_but_the_last_one_is_the_last_button(deps: Deps) -> None:
    listed = {"listed_orders": ["600001", "600002", "600003"], "requested_slot": "order_number"}
    newest, _ = await run_form(tracker(text="my last order", entities=[{"entity": "ordinal", "value": "last"}],
                                       slots=listed, metadata=signed(101)))
    assert SlotSet("order_number", "600001") in newest
    last_button, _ = await run_form(tracker(text="the last one", entities=[{"entity": "ordinal", "value": "last"}],
                                            slots=listed, metadata=signed(101)))
    assert SlotSet("order_number", "600003") in last_button
