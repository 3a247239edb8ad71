"""After a hand-off: the rating question and storing the answer on the right ticket."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.deps import Deps
from actions.support import ActionAskRating, ActionRateSupport
from backoffice.models import SupportTicket, TicketStatus
from tests.actions.conftest import SENDER, responses, tracker
from tests.factories import NOW


def _resolved_ticket(deps: Deps, conversation_id: str = SENDER) -> int:
    with deps.session() as session:
        ticket = SupportTicket(conversation_id=conversation_id, reason="human_requested", priority="normal",
                               status=TicketStatus.RESOLVED, summary="", created_at=NOW, resolved_at=NOW)
        session.add(ticket)
        session.flush()
        return ticket.id


def _rating(deps: Deps, ticket_id: int) -> int | None:
    with deps.sessions() as session:
        ticket = session.get(SupportTicket, ticket_id)
        assert ticket is not None
        return ticket.rating


async def test_rating_question_offers_one_to_five(deps: Deps) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskRating().run(dispatcher, tracker(intent="support_resolved"), {})
    assert responses(dispatcher) == ["utter_ask_rating"]
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == ["1", "2", "3", "4", "5"]
    assert dispatcher.messages[0]["buttons"][3]["payload"] == '/rate_support{"rating": "4"}'


async def test_button_rating_is_stored_on_this_conversations_ticket(deps: Deps) -> None:
    mine, other = _resolved_ticket(deps), _resolved_ticket(deps, "someone-else")
    dispatcher = CollectingDispatcher()
    await ActionRateSupport().run(dispatcher, tracker(intent="rate_support",
                                                      entities=[{"entity": "rating", "value": "4"}]), {})
    assert responses(dispatcher) == ["utter_thanks_rating", None]
    assert dispatcher.messages[1]["custom"] == {"shopdesk_event": {"type": "rated", "ticket_id": mine}}
    assert (_rating(deps, mine), _rating(deps, other)) == (4, None)


async def test_typed_rating_is_understood_and_a_second_one_does_not_overwrite(deps: Deps) -> None:
    ticket = _resolved_ticket(deps)
    await ActionRateSupport().run(CollectingDispatcher(), tracker(intent="rate_support", text="I'd say 2 stars"), {})
    again = CollectingDispatcher()
    await ActionRateSupport().run(again, tracker(intent="rate_support", text="5 stars"), {})
    assert _rating(deps, ticket) == 2
    assert responses(again) == ["utter_no_rating_due"]


async def test_rating_without_a_number_asks_again(deps: Deps) -> None:
    _resolved_ticket(deps)
    dispatcher = CollectingDispatcher()
    await ActionRateSupport().run(dispatcher, tracker(intent="rate_support", text="excellent"), {})
    assert responses(dispatcher) == ["utter_ask_rating_again"]
