"""The e-mailed code an anonymous shopper types to confirm a change: the code form and the check.

``action_answer_confirmation`` sends the code and sets ``awaiting_code``, which starts ``verification_form``.
While that form asks, six digits are the code, never an order number (the ``order_number`` slot is only
filled outside forms and in the order form). When the form has a code, ``action_check_code`` checks it against
the back office and, if right, applies the change that was confirmed.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.confirm import apply_change
from actions.context import order_scope
from actions.deps import get_deps
from actions.slots import text_slot
from backoffice.orders import find_order
from backoffice.verification import CodeStatus, check_code, parse_code

log = logging.getLogger(__name__)


class ValidateVerificationForm(FormValidationAction):
    """Keeps ``verification_code`` only when the text holds a 6-digit code ("483920", "483 920")."""

    def name(self) -> str:
        return "validate_verification_form"

    def validate_verification_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        code = parse_code(str(value) if value is not None else None)
        if code is None:
            dispatcher.utter_message(response="utter_bad_code")
            return {"verification_code": None}
        return {"verification_code": code}


class ActionCheckCode(Action):
    """Check the typed code; apply the confirmed change when it is right, ask again while tries are left."""

    def name(self) -> str:
        return "action_check_code"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        finished: list[EventType] = [SlotSet("pending_change", None), SlotSet("verification_code", None),
                                     SlotSet("awaiting_code", None)]
        pending = text_slot(tracker, "pending_change")
        if not pending or not tracker.get_slot("awaiting_code"):
            dispatcher.utter_message(response="utter_nothing_pending")
            return finished
        kind, number, detail = (pending.split(":", 2) + ["", ""])[:3]
        deps = get_deps()
        try:
            with deps.session() as session:  # the check and the change commit together
                order = find_order(session, number, **order_scope(tracker, deps))
                if order is None:
                    dispatcher.utter_message(response="utter_ask_order_number")
                    return finished
                result = check_code(session, order=order, conversation_id=tracker.sender_id, change=pending,
                                    code=text_slot(tracker, "verification_code"), secret=deps.secret,
                                    now=deps.clock(), rules=deps.codes)
                if result.ok:
                    apply_change(session, order, kind, detail, dispatcher, deps)
                    # The order under discussion is the one changed (and never a code typed since).
                    return [*finished, SlotSet("order_number", order.number)]
        except SQLAlchemyError:
            log.exception("checking a code failed")
            dispatcher.utter_message(response="utter_backoffice_error")
            return finished
        if result.status is CodeStatus.WRONG:
            dispatcher.utter_message(response="utter_code_wrong", attempts_left=result.attempts_left)
            return [SlotSet("verification_code", None), SlotSet("awaiting_code", True)]  # the code form asks again
        dispatcher.utter_message(response="utter_code_spent", order_number=number)
        return finished
