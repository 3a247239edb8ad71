from __future__ import annotations

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.account import ActionNewsletter
from actions.confirm import ActionAnswerConfirmation
from actions.deps import Deps
from backoffice.models import Customer
from tests.actions.conftest import after, responses, signed, tracker


def subscribed(deps: Deps, customer_id: int) -> bool:
    with deps.sessions() as session:
        customer = session.get(Customer, customer_id)
        assert customer is not None
        return customer.newsletter


async def test_signed_in_shopper_is_told_and_offered_to_subscribe_then_subscribed(deps: Deps) -> None:
    assert subscribed(deps, 101) is False
    dispatcher = CollectingDispatcher()
    events = await ActionNewsletter().run(dispatcher, tracker(intent="newsletter_subscription",
                                                             metadata=signed(101)), {})
    assert events == [SlotSet("pending_change", "newsletter_on")]
    assert responses(dispatcher) == ["utter_newsletter_not_subscribed"]

    dispatcher = CollectingDispatcher()
    await ActionAnswerConfirmation().run(
        dispatcher, tracker(intent="affirm", slots={"pending_change": "newsletter_on"}, metadata=signed(101),
                            events=after("action_newsletter")), {})
    assert responses(dispatcher) == ["utter_newsletter_on"]
    assert subscribed(deps, 101) is True

    dispatcher = CollectingDispatcher()
    events = await ActionNewsletter().run(dispatcher, tracker(intent="newsletter_subscription",
                                                             metadata=signed(101)), {})
    assert events == [SlotSet("pending_change", "newsletter_off")]


async def test_no_keeps_the_subscription_as_it_was(deps: Deps) -> None:
    await ActionAnswerConfirmation().run(
        CollectingDispatcher(),
        tracker(intent="deny", slots={"pending_change": "newsletter_on"}, metadata=signed(101),
                events=after("action_newsletter")), {})
    assert subscribed(deps, 101) is False


async def test_anonymous_shopper_gets_the_guidance(deps: Deps) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionNewsletter().run(dispatcher, tracker(intent="newsletter_subscription"), {})
    assert events == [SlotSet("pending_change", None)]
    assert dispatcher.messages[0]["text"] == deps.kb.answer("newsletter_subscription")


async def test_forged_pending_change_without_sign_in_changes_nobody(deps: Deps) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerConfirmation().run(
        dispatcher, tracker(intent="affirm", slots={"pending_change": "newsletter_on"},
                            events=after("action_newsletter")), {})
    assert responses(dispatcher) == ["utter_backoffice_error"]
    assert subscribed(deps, 101) is False
