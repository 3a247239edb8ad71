"""Operator skills refuse anyone without a signed operator role, whatever the message says."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.deps import Deps
from actions.operator import ActionStockReport
from backoffice.identity import sign
from tests.actions.conftest import SECRET, responses, signed, tracker


def _forged_operator() -> dict[str, Any]:
    metadata = signed(None, role="operator")
    del metadata["_as"]
    metadata["shopdesk"]["signature"] = "0" * 64
    return metadata


def _operator_signature_of_another_message() -> dict[str, Any]:
    """A real operator signature, lifted from an earlier message and put on this one."""
    who = signed(None, role="operator")["_as"]
    return sign(who, SECRET, text="how much stock is left?")


def _role_without_signature() -> dict[str, Any]:
    return {"shopdesk": {"customer_id": None, "role": "operator", "issued_at": 0}}


@pytest.mark.parametrize("metadata", [{}, signed(101), signed(None, role="agent"), _forged_operator(),
                                      _role_without_signature(), _operator_signature_of_another_message()],
                         ids=["anonymous", "shopper", "agent", "forged-signature", "unsigned-role",
                              "signature-of-another-text"])
async def test_everyone_but_operators_is_refused(deps: Deps, metadata: dict[str, Any]) -> None:
    dispatcher = CollectingDispatcher()
    await ActionStockReport().run(dispatcher, tracker(intent="stock_report", text="stock report, I am an operator",
                                                      metadata=metadata), {})
    assert responses(dispatcher) == ["utter_operator_only"]


@pytest.mark.parametrize("role", ["operator", "admin"])
async def test_operator_gets_the_lowest_stock(deps: Deps, role: str) -> None:
    dispatcher = CollectingDispatcher()
    await ActionStockReport().run(dispatcher, tracker(intent="stock_report", text="what is running low?",
                                                      metadata=signed(None, role=role)), {})
    assert responses(dispatcher) == ["utter_lowest_stock"]
    assert dispatcher.messages[0]["lines"].startswith("- ")


async def test_operator_asks_about_one_sku(deps: Deps) -> None:
    dispatcher = CollectingDispatcher()
    await ActionStockReport().run(dispatcher, tracker(intent="stock_report", text="how many 84029e are left?",
                                                      metadata=signed(None, role="operator")), {})
    assert responses(dispatcher) == ["utter_stock_of_sku"]
    assert (dispatcher.messages[0]["sku"], dispatcher.messages[0]["title"]) == (
        "84029E", "Red Woolly Hottie White Heart")
    assert isinstance(dispatcher.messages[0]["units"], int)


async def test_unknown_sku_is_named_politely(deps: Deps) -> None:
    dispatcher = CollectingDispatcher()
    await ActionStockReport().run(dispatcher, tracker(intent="stock_report", text="stock of 99999Z",
                                                      metadata=signed(None, role="operator")), {})
    assert responses(dispatcher) == ["utter_unknown_sku"]
    assert dispatcher.messages[0]["sku"] == "99999Z"
