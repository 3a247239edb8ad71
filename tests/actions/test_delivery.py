"""Operator delivery skills and the shopper's van window."""

from __future__ import annotations

import asyncio
import base64
import time as clock
from datetime import datetime, time, timedelta
from types import SimpleNamespace

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions import background
from actions.delivery import ActionAddToPlan, ActionPlanDeliveries
from actions.deps import Deps
from actions.orders import ActionDeliveryPeriod
from backoffice.models import Customer, Order
from tests.actions.conftest import SENDER, responses, signed, tracker
from tests.backoffice.delivery.conftest import DAY, EXTRA, add_order, tiny_fleet
from tests.factories import Store

OPERATOR = signed(None, role="operator")


@pytest.fixture
def vans(deps: Deps, store: Store) -> Deps:
    """The factory store plus parcels due on DAY (three in London, one in Manchester); the clock is the
    afternoon before; a tiny, fast fleet."""
    with deps.session() as session:
        alice = session.scalars(select(Customer).where(Customer.email == "alice@example.com")).one()
        placed = session.scalars(select(Order).where(Order.number == "600001")).one()
        owner = SimpleNamespace(alice=alice, orders={"placed": placed})
        for number in ("610001", "610002", "610003", "610005"):
            line1, postcode, city, country, _, status = EXTRA[number]
            add_order(session, owner, number, line1, postcode, city, country, DAY, status)  # type: ignore[arg-type]
    deps.clock = lambda: datetime.combine(DAY - timedelta(days=1), time(16, 0))
    deps.fleet = tiny_fleet()
    return deps


async def run(action: object, text: str, metadata: dict[str, object] | None = OPERATOR,
              **kwargs: object) -> CollectingDispatcher:
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, tracker(intent="x", text=text, metadata=metadata, **kwargs), {})  # type: ignore[attr-defined]
    return dispatcher


async def test_only_operators_plan(vans: Deps) -> None:
    for metadata in ({}, signed(101), signed(None, role="agent")):
        assert responses(await run(ActionPlanDeliveries(), "plan tomorrow's deliveries", metadata)) == [
            "utter_operator_only"]


async def test_plan_for_tomorrow_has_a_sentence_per_van_and_a_map(vans: Deps) -> None:
    dispatcher = await run(ActionPlanDeliveries(), "plan tomorrow's deliveries")
    assert responses(dispatcher) == ["utter_delivery_plan"]
    message = dispatcher.messages[0]
    assert message["when"].startswith("tomorrow (")
    assert "Van 1:" in message["lines"] and "stops" in message["lines"]
    assert base64.b64decode(message["image"].split(",", 1)[1])[:4] == b"\x89PNG"


async def test_the_shopper_then_hears_the_vans_window(vans: Deps) -> None:
    await run(ActionPlanDeliveries(), "plan tomorrow's deliveries")
    dispatcher = await run(ActionDeliveryPeriod(), "when will it arrive?", signed(101),
                           slots={"order_number": "610001"})
    assert responses(dispatcher) == ["utter_order_eta"]
    assert "our own delivery van" in dispatcher.messages[0]["eta_text"]
    assert "between" in dispatcher.messages[0]["eta_text"]


async def test_adding_orders_explains_refusals(vans: Deps) -> None:
    await run(ActionPlanDeliveries(), "plan tomorrow's deliveries")
    again = await run(ActionAddToPlan(), "add order 610001 to the plan")
    assert responses(again) == ["utter_plan_refused"]
    abroad = await run(ActionAddToPlan(), "add 610005 to tomorrow's van")
    assert responses(abroad) == ["utter_plan_refused"]
    assert responses(await run(ActionAddToPlan(), "add an order to the plan")) == ["utter_which_order_to_plan"]


DOMAIN = {"responses": {
    "utter_delivery_plan": [{"text": "Plan for {when}:\n{lines}"}],
    "utter_working_on_it": [{"text": "Working on it."}],
    "utter_backoffice_error": [{"text": "Sorry, something went wrong."}],
}}


async def test_a_slow_plan_answers_working_on_it_and_pushes_the_plan_when_ready(
        vans: Deps, monkeypatch: pytest.MonkeyPatch) -> None:
    pushed: list[tuple[str, list[dict[str, object]]]] = []

    async def web_front(conversation_id: str, messages: list[dict[str, object]]) -> None:  # the other process
        pushed.append((conversation_id, messages))

    monkeypatch.setattr(background, "push", web_front)
    vans.quick_seconds = 0.0
    dispatcher = CollectingDispatcher()
    await ActionPlanDeliveries().run(dispatcher, tracker(intent="x", text="plan tomorrow's deliveries",
                                                         metadata=OPERATOR), DOMAIN)
    assert responses(dispatcher) == ["utter_working_on_it"]
    for _ in range(600):
        if pushed:
            break
        await asyncio.sleep(0.05)
    [(conversation, messages)] = pushed
    assert conversation == SENDER
    assert messages[0]["text"].startswith("Plan for tomorrow (") and "Van 1:" in messages[0]["text"]
    assert str(messages[0]["image"]).startswith("data:image/png;base64,")


async def test_a_failing_background_job_still_answers(vans: Deps, monkeypatch: pytest.MonkeyPatch) -> None:
    pushed: list[list[dict[str, object]]] = []

    async def web_front(conversation_id: str, messages: list[dict[str, object]]) -> None:
        pushed.append(messages)

    def broken(text: str) -> list[background.Say]:
        clock.sleep(0.2)  # past quick_seconds: the answer is pushed
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(background, "push", web_front)
    vans.quick_seconds = 0.0
    dispatcher = CollectingDispatcher()
    await background.run_job(dispatcher, SENDER, DOMAIN, broken, "plan")
    for _ in range(100):
        if pushed:
            break
        await asyncio.sleep(0.02)
    assert responses(dispatcher) == ["utter_working_on_it"]
    assert pushed == [[{"text": "Sorry, something went wrong."}]]
    quick, vans.quick_seconds = CollectingDispatcher(), 5.0
    await background.run_job(quick, SENDER, DOMAIN, lambda text: 1 / 0, "plan")
    assert responses(quick) == ["utter_backoffice_error"]
