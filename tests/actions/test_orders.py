from __future__ import annotations

from pathlib import Path

from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.confirm import ActionAnswerConfirmation
from actions.deps import Deps
from actions.orders import ActionDeliveryPeriod, ActionHandleOrder
from backoffice.db import make_engine, session_factory
from backoffice.models import Order, Refund, Return
from tests.actions.conftest import after, responses, signed, tracker


async def handle(goal: str, number: str, customer_id: int | None = 101, **slots) -> tuple[list, CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    tr = tracker(slots={"order_number": number, "order_goal": goal, **slots},
                 metadata=signed(customer_id) if customer_id else None)
    return await ActionHandleOrder().run(dispatcher, tr, {}), dispatcher


async def confirm(intent: str, pending: str, number: str, **slots) -> tuple[list, CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    tr = tracker(intent=intent, slots={"order_number": number, "pending_change": pending, **slots},
                 metadata=signed(101), events=after("action_handle_order"))
    return await ActionAnswerConfirmation().run(dispatcher, tr, {}), dispatcher


def order(deps: Deps, number: str) -> Order:
    with deps.sessions() as session:
        found = session.scalars(select(Order).where(Order.number == number)).one()
        session.expunge_all()
        return found


async def test_track_shows_status_carrier_and_estimate(deps: Deps) -> None:
    events, dispatcher = await handle("track", "600004")
    assert events == [SlotSet("pending_change", None), SlotSet("order_goal", None), SlotSet("listed_orders", None)]
    status, tracking = dispatcher.messages
    assert status["response"] == "utter_order_status" and status["status_text"] == "on its way"
    assert tracking["carrier"] == "Royal Mail" and tracking["tracking_number"] == "RM600004GB"
    assert "running late" in tracking["eta_text"]  # estimated a day after the promise


async def test_cancel_asks_first_then_cancels_and_refunds(deps: Deps) -> None:
    events, dispatcher = await handle("cancel", "600002")
    assert SlotSet("pending_change", "cancel:600002") in events
    assert responses(dispatcher) == ["utter_confirm_cancel"]
    assert order(deps, "600002").status == "paid"  # nothing happens before the yes

    events, dispatcher = await confirm("affirm", "cancel:600002", "600002")
    assert events == [SlotSet("pending_change", None), SlotSet("new_address", None), SlotSet("awaiting_code", None)]
    assert responses(dispatcher) == ["utter_cancelled"]
    assert "£6.30" in dispatcher.messages[0]["refund_text"]
    assert order(deps, "600002").status == "cancelled"
    with deps.sessions() as session:
        assert [r.amount for r in session.scalars(select(Refund))] == [order(deps, "600002").total]


async def test_packed_order_cancel_mentions_the_fee(deps: Deps) -> None:
    _, dispatcher = await handle("cancel", "600003")
    assert "£2.50" in dispatcher.messages[0]["reason"]


async def test_shipped_order_cannot_be_cancelled_and_says_why(deps: Deps) -> None:
    events, dispatcher = await handle("cancel", "600004")
    assert SlotSet("pending_change", None) in events  # nothing to confirm, and no older proposal survives
    assert responses(dispatcher) == ["utter_policy_refused"]
    assert "already shipped" in dispatcher.messages[0]["reason"]


async def test_no_changes_nothing(deps: Deps) -> None:
    _, dispatcher = await confirm("deny", "cancel:600002", "600002")
    assert responses(dispatcher) == ["utter_change_dropped"]
    assert order(deps, "600002").status == "paid"


async def test_refund_within_window_opens_a_return(deps: Deps) -> None:
    events, dispatcher = await handle("refund", "600005")
    assert SlotSet("pending_change", "refund:600005") in events
    await confirm("affirm", "refund:600005", "600005")
    with deps.sessions() as session:
        assert [r.status for r in session.scalars(select(Return))] == ["requested"]
        assert [r.amount for r in session.scalars(select(Refund))] == [order(deps, "600005").total]


async def test_refund_outside_window_is_refused_with_the_dates(deps: Deps) -> None:
    _, dispatcher = await handle("refund", "600006")
    assert responses(dispatcher) == ["utter_policy_refused"]
    assert "30-day return window closed" in dispatcher.messages[0]["reason"]


async def test_address_change_is_confirmed_then_applied(deps: Deps) -> None:
    events, dispatcher = await handle("change_address", "600001", new_address="22 Baker Street, London NW1 6XE")
    assert SlotSet("pending_change", "change_address:600001:22 Baker Street, London NW1 6XE") in events
    assert dispatcher.messages[0]["new_address"] == "22 Baker Street, London NW1 6XE"
    # The address confirmed is the one applied, even if the slot was cleared or changed since.
    await confirm("affirm", "change_address:600001:22 Baker Street, London NW1 6XE", "600001", new_address=None)
    assert order(deps, "600001").ship_line1 == "22 Baker Street, London NW1 6XE"


async def test_invoice_lists_lines_and_total(deps: Deps) -> None:
    _, dispatcher = await handle("invoice", "600005")
    [message] = dispatcher.messages
    assert message["response"] == "utter_invoice"
    assert "4 × Red Woolly Hottie White Heart at £3.39" in message["lines"]
    assert message["payment"] == "card"


async def test_someone_elses_order_is_never_shown(deps: Deps) -> None:
    events, dispatcher = await handle("track", "700001", customer_id=101)
    assert SlotSet("order_number", None) in events
    assert responses(dispatcher) == ["utter_ask_order_number"]


async def test_when_will_it_arrive_uses_the_order_in_context(deps: Deps) -> None:
    dispatcher = CollectingDispatcher()
    tr = tracker(intent="delivery_period", slots={"order_number": "600004"}, metadata=signed(101))
    await ActionDeliveryPeriod().run(dispatcher, tr, {})
    assert dispatcher.messages[0]["response"] == "utter_order_eta"
    assert "Sunday 22 November" in dispatcher.messages[0]["eta_text"]


async def test_when_will_it_arrive_without_an_order_answers_from_policy(deps: Deps) -> None:
    dispatcher = CollectingDispatcher()
    await ActionDeliveryPeriod().run(dispatcher, tracker(intent="delivery_period"), {})
    assert dispatcher.messages[0]["text"] == deps.kb.answer("delivery_period")


async def test_locked_or_broken_database_gets_a_polite_answer(deps: Deps, tmp_path: Path) -> None:
    deps.sessions = session_factory(make_engine(f"sqlite:///{tmp_path / 'not-migrated.db'}"))
    _, dispatcher = await handle("track", "600004")
    assert responses(dispatcher) == ["utter_backoffice_error"]


async def test_when_will_order_n_arrive_from_an_anonymous_shopper_asks_for_proof(deps: Deps) -> None:
    dispatcher = CollectingDispatcher()
    tr = tracker(intent="delivery_period", text="when will order 600004 arrive?",
                 entities=[{"entity": "order_number", "value": "600004"}], slots={"order_number": "600004"})
    events = await ActionDeliveryPeriod().run(dispatcher, tr, {})
    assert events == [SlotSet("order_goal", "track"), FollowupAction("order_form")]
    assert dispatcher.messages == []


async def test_a_late_yes_does_not_apply_an_old_proposal(deps: Deps) -> None:
    dispatcher = CollectingDispatcher()
    history = after("action_handle_order") + [{"event": "user", "text": "thanks"}, {"event": "action",
                                                                                     "name": "utter_thank"}]
    tr = tracker(intent="affirm", slots={"order_number": "600002", "pending_change": "cancel:600002"},
                 metadata=signed(101), events=history)
    events = await ActionAnswerConfirmation().run(dispatcher, tr, {})
    assert responses(dispatcher) == ["utter_nothing_pending"]
    assert SlotSet("pending_change", None) in events
    assert order(deps, "600002").status == "paid"


async def test_yes_applies_to_the_confirmed_order_even_if_another_was_mentioned(deps: Deps) -> None:
    await handle("cancel", "600002")
    await confirm("affirm", "cancel:600002", "600001")  # "yes" with another order number in the message
    assert order(deps, "600002").status == "cancelled"
    assert order(deps, "600001").status == "placed"
