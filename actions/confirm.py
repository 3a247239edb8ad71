"""The shopper's yes or no to a change the assistant proposed."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.account import apply_newsletter
from actions.context import latest_intent, order_scope
from actions.deps import get_deps
from actions.handoff import hand_off
from actions.orders import money
from actions.slots import text_slot
from backoffice import orders
from backoffice.orders import PolicyRefused, find_order

log = logging.getLogger(__name__)


# The actions that propose a change; a yes or no counts only on the turn right after one of them.
PROPOSERS = {"action_handle_order", "action_answer_policy", "action_newsletter"}


def proposed_just_now(tracker: Tracker) -> bool:
    """Whether the bot's last action before this message was one that proposes a change."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return False
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") not in ("action_listen", None):
            return event.get("name") in PROPOSERS
    return False


class ActionAnswerConfirmation(Action):
    """Apply the pending change on "yes", drop it on "no"; with nothing pending, just acknowledge."""

    def name(self) -> str:
        return "action_answer_confirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        pending = text_slot(tracker, "pending_change") if proposed_just_now(tracker) else None
        done: list[EventType] = [SlotSet("pending_change", None), SlotSet("new_address", None)]
        if not pending:
            dispatcher.utter_message(response="utter_nothing_pending")
            return done
        if latest_intent(tracker) != "affirm":
            dispatcher.utter_message(response="utter_change_dropped")
            return done
        if pending == "handoff" or pending.startswith("handoff:"):  # "handoff:policy" after a policy refusal
            return hand_off(tracker, dispatcher, reason=pending.partition(":")[2] or "human_requested") + done
        if pending.startswith("newsletter_"):
            apply_newsletter(pending, tracker, dispatcher)
            return done
        kind, number, detail = (pending.split(":", 2) + ["", ""])[:3]
        self._apply(kind, number, detail, tracker, dispatcher)
        return done

    @staticmethod
    def _apply(pending: str, number: str, detail: str, tracker: Tracker, dispatcher: CollectingDispatcher) -> None:
        """Apply ``pending`` to the order the shopper confirmed (not whatever order was mentioned since)."""
        deps = get_deps()
        now = deps.clock()
        try:
            with deps.session() as session:
                order = find_order(session, number, **order_scope(tracker, deps))
                if order is None:
                    dispatcher.utter_message(response="utter_ask_order_number")
                    return
                if pending == "cancel":
                    decision, refund = orders.cancel(session, order, rules=deps.kb.rules, now=now)
                    refund_text = ""
                    if refund is not None:
                        refund_text = (f"£{money(refund.amount)} goes back to your original payment method within "
                                       f"{deps.kb.rules.refund_processing_days} working days.")
                        if decision.fee:
                            refund_text += f" (A £{money(decision.fee)} handling fee was deducted.)"
                    dispatcher.utter_message(response="utter_cancelled", order_number=order.number,
                                             refund_text=refund_text.strip())
                elif pending == "change_address":
                    address = detail  # the address the shopper confirmed, not whatever the slot holds now
                    orders.change_address(session, order, address, rules=deps.kb.rules, now=now)
                    dispatcher.utter_message(response="utter_address_changed", order_number=order.number,
                                             new_address=address)
                elif pending == "refund":
                    refund = orders.request_refund(session, order, rules=deps.kb.rules, now=now,
                                                   reason="Requested in chat")
                    dispatcher.utter_message(response="utter_refund_requested", order_number=order.number,
                                             amount=money(refund.amount), days=deps.kb.rules.refund_processing_days)
        except ValueError:
            dispatcher.utter_message(response="utter_bad_address")
        except PolicyRefused as refused:
            dispatcher.utter_message(response="utter_policy_refused", reason=refused.decision.reason)
        except SQLAlchemyError:
            log.exception("applying %s failed", pending)
            dispatcher.utter_message(response="utter_backoffice_error")
