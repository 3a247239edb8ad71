from __future__ import annotations

from datetime import datetime

from rasa_sdk.events import SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.confirm import ActionAnswerConfirmation
from actions.deps import Deps
from actions.fallback import ActionDefaultFallback
from actions.handoff import ActionHandoff
from backoffice.models import SupportTicket
from tests.actions.conftest import after, responses, signed, tracker

HISTORY = [
    {"event": "user", "text": "where is my parcel 600004", "timestamp": 1_700_000_000.0},
    {"event": "bot", "text": "Order 600004 is on its way.", "timestamp": 1_700_000_001.0},
    {"event": "user", "text": "this is the third time it's late, I'm furious", "timestamp": 1_700_000_010.0},
]


def tickets(deps: Deps) -> list[SupportTicket]:
    with deps.sessions() as session:
        found = list(session.scalars(select(SupportTicket)))
        for ticket in found:
            _ = ticket.messages
        return found


async def test_complaint_opens_a_high_priority_ticket_with_the_transcript(deps: Deps) -> None:
    dispatcher = CollectingDispatcher()
    tr = tracker(intent="complaint", slots={"order_number": "600004"}, metadata=signed(101), events=HISTORY)
    assert await ActionHandoff().run(dispatcher, tr, {}) == []
    [ticket] = tickets(deps)
    assert (ticket.reason, ticket.priority, ticket.status, ticket.customer_id) == ("complaint", "high", "pending", 101)
    assert ticket.order_id is not None
    assert [(m.sender, m.text) for m in ticket.messages][:3] == [
        ("customer", "where is my parcel 600004"), ("bot", "Order 600004 is on its way."),
        ("customer", "this is the third time it's late, I'm furious")]
    assert responses(dispatcher) == ["utter_handoff_queue", None]
    assert dispatcher.messages[0]["ticket_id"] == ticket.id
    assert (dispatcher.messages[0]["position"], dispatcher.messages[0]["wait_minutes"]) == (1, 6)
    # the web front learns of the hand-off from this marker and stops relaying to the assistant
    assert dispatcher.messages[1]["custom"] == {"shopdesk_event": {"type": "handoff", "ticket_id": ticket.id}}


async def test_second_handoff_in_a_conversation_extends_the_same_ticket(deps: Deps) -> None:
    await ActionHandoff().run(CollectingDispatcher(), tracker(intent="contact_human_agent", events=HISTORY[:2]), {})
    await ActionHandoff().run(CollectingDispatcher(), tracker(intent="complaint", events=HISTORY), {})
    [ticket] = tickets(deps)
    assert ticket.priority == "high"
    assert len([m for m in ticket.messages if m.sender == "customer"]) == 2


async def test_anonymous_shopper_does_not_attach_someone_elses_order(deps: Deps) -> None:
    tr = tracker(intent="contact_human_agent", slots={"order_number": "600004", "order_email": "bob@example.com"})
    await ActionHandoff().run(CollectingDispatcher(), tr, {})
    [ticket] = tickets(deps)
    assert ticket.order_id is None and ticket.customer_id is None


async def test_anonymous_shopper_with_the_orders_email_attaches_it(deps: Deps) -> None:
    tr = tracker(intent="contact_human_agent", slots={"order_number": "600004", "order_email": "alice@example.com"})
    await ActionHandoff().run(CollectingDispatcher(), tr, {})
    [ticket] = tickets(deps)
    assert ticket.order_id is not None


async def test_unsure_dialogue_asks_to_rephrase_without_a_ticket(deps: Deps) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionDefaultFallback().run(dispatcher, tracker(intent="inform", events=HISTORY), {})
    assert events == [UserUtteranceReverted()]
    assert responses(dispatcher) == ["utter_ask_rephrase"]
    assert tickets(deps) == []


async def test_yes_to_the_offer_of_a_person_hands_off(deps: Deps) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerConfirmation().run(
        dispatcher,
        tracker(intent="affirm", slots={"pending_change": "handoff"}, events=after("action_answer_policy")), {})
    assert SlotSet("pending_change", None) in events
    assert [t.reason for t in tickets(deps)] == ["human_requested"]


async def test_delete_account_explains_and_hands_off(deps: Deps) -> None:
    dispatcher = CollectingDispatcher()
    await ActionHandoff().run(dispatcher, tracker(intent="delete_account", metadata=signed(101)), {})
    assert dispatcher.messages[0]["text"] == deps.kb.answer("delete_account")
    assert [t.reason for t in tickets(deps)] == ["account"]


async def test_queue_position_counts_the_tickets_waiting_before(deps: Deps) -> None:
    for n in range(3):
        await ActionHandoff().run(CollectingDispatcher(), tracker(intent="contact_human_agent", sender=f"c{n}"), {})
    dispatcher = CollectingDispatcher()
    await ActionHandoff().run(dispatcher, tracker(intent="contact_human_agent", sender="c9"), {})
    assert (dispatcher.messages[0]["position"], dispatcher.messages[0]["wait_minutes"]) == (4, 24)
    complaint = CollectingDispatcher()
    await ActionHandoff().run(complaint, tracker(intent="complaint", sender="angry"), {})
    assert complaint.messages[0]["position"] == 1  # complaints are high priority: they go first


async def test_outside_staffed_hours_the_shopper_hears_when_the_team_is_back(deps: Deps) -> None:
    deps.clock = lambda: datetime(2026, 11, 21, 12, 0)  # a Saturday
    dispatcher = CollectingDispatcher()
    await ActionHandoff().run(dispatcher, tracker(intent="contact_human_agent"), {})
    assert responses(dispatcher) == ["utter_handoff_closed", None]
    assert dispatcher.messages[0]["next_opening"] == "Monday at 09:00"


async def test_yes_after_a_policy_refusal_opens_a_policy_ticket(deps: Deps) -> None:
    await ActionAnswerConfirmation().run(
        CollectingDispatcher(),
        tracker(intent="affirm", slots={"pending_change": "handoff:policy"}, events=after("action_handle_order")), {})
    assert [t.reason for t in tickets(deps)] == ["policy"]
