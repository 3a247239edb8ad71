"""Operator skills. Only a signed operator (or admin) identity may use them, whatever the message says."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.background import Say, run_job
from actions.context import is_operator
from actions.deps import get_deps
from backoffice.catalog import SKU
from backoffice.stock import lowest_stock, product_by_sku

log = logging.getLogger(__name__)


class OperatorAction(Action, ABC):
    """Refuse anyone without a signed operator role; turn back-office failures into a polite answer.

    Abstract (the action server registers only concrete actions): subclasses give ``name`` and ``answer``.
    """

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if not is_operator(tracker, get_deps()):
            dispatcher.utter_message(response="utter_operator_only")
            return []
        try:
            job = self.job(tracker)
            if job is None:
                self.answer(dispatcher, tracker)
            else:
                await run_job(dispatcher, tracker.sender_id, domain, job[0], *job[1])
        except (SQLAlchemyError, OSError, ValueError):
            log.exception("%s failed", self.name())
            dispatcher.utter_message(response="utter_backoffice_error")
        return []

    def job(self, tracker: Tracker) -> tuple[Callable[..., list[Say]], tuple[Any, ...]] | None:
        """Slow work to run off the loop as ``(function, arguments)`` (``actions.background``), or None."""
        return None

    @abstractmethod
    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """Answer the operator (quick work, in the action server's own process)."""


class ActionStockReport(OperatorAction):
    """Units on hand for one SKU, or the ten products closest to running out."""

    def name(self) -> str:
        return "action_stock_report"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        sku = next(tracker.get_latest_entity_values("sku"), None)
        if sku is None:
            found = SKU.search(tracker.latest_message.get("text") or "")
            sku = found.group(1) if found else None
        with get_deps().session() as session:
            if sku is not None:
                product = product_by_sku(session, sku)
                if product is None:
                    dispatcher.utter_message(response="utter_unknown_sku", sku=sku.upper())
                else:
                    dispatcher.utter_message(response="utter_stock_of_sku", sku=product.sku, title=product.title,
                                             units=product.stock_on_hand)
                return
            lines = [f"- {p.sku} {p.title}: {p.stock_on_hand}" for p in lowest_stock(session)]
        dispatcher.utter_message(response="utter_lowest_stock", lines="\n".join(lines))
