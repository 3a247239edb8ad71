"""The shopper's yes or no to a change the assistant proposed."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.account import apply_newsletter
from actions.context import identity_of, latest_intent, order_scope
from actions.deps import Deps, get_deps
from actions.handoff import hand_off
from actions.orders import money
from actions.slots import text_slot
from backoffice import orders
from backoffice.mail import MailError
from backoffice.models import Order
from backoffice.orders import PolicyRefused, find_order
from backoffice.verification import TooManyCodes, code_email, issue_code

log = logging.getLogger(__name__)


# The actions that propose a change; a yes or no counts only on the turn right after one of them. The code form
# counts too: a "no" while it asks for the e-mailed code drops the change.
PROPOSERS = {"action_handle_order", "action_answer_policy", "action_newsletter", "verification_form"}
# Changes an anonymous shopper confirms with a one-time code sent to the order's e-mail.
CODE_CHANGES = ("cancel", "change_address", "refund")


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
        # awaiting_code is always set (None unless a code goes out), so the rules can tell the two outcomes apart.
        done: list[EventType] = [SlotSet("pending_change", None), SlotSet("new_address", None),
                                 SlotSet("awaiting_code", None)]
        if tracker.get_slot("awaiting_code"):  # a "no" to the code form: it asks for no code any more
            done.append(SlotSet("verification_code", None))
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
        deps = get_deps()
        if kind in CODE_CHANGES and identity_of(tracker, deps).customer_id is None:
            return self._send_code(pending, number, tracker, dispatcher, deps) or done
        try:
            with deps.session() as session:
                order = find_order(session, number, **order_scope(tracker, deps))
                if order is None:
                    dispatcher.utter_message(response="utter_ask_order_number")
                else:
                    apply_change(session, order, kind, detail, dispatcher, deps)
        except SQLAlchemyError:
            log.exception("applying %s failed", kind)
            dispatcher.utter_message(response="utter_backoffice_error")
        return done

    @staticmethod
    def _send_code(change: str, number: str, tracker: Tracker, dispatcher: CollectingDispatcher,
                   deps: Deps) -> list[EventType] | None:
        """E-mail a one-time code for ``change`` to the order's address; the code form asks for it next.

        None when no code went out (the shopper has been told why) and the change is dropped.
        """
        try:
            with deps.session() as session:  # a code that could not be sent is not kept
                order = find_order(session, number, **order_scope(tracker, deps))
                if order is None:
                    dispatcher.utter_message(response="utter_ask_order_number")
                    return None
                code = issue_code(session, order=order, conversation_id=tracker.sender_id, change=change,
                                  secret=deps.secret, now=deps.clock(), rules=deps.codes)
                deps.mailer.send(code_email(order=order, change=change, code=code, rules=deps.codes,
                                            shop_name=deps.kb.shop.name, sender=deps.mail_from))
        except (TooManyCodes, MailError) as exc:
            log.warning("no code sent for order %s: %s", number, exc)
            dispatcher.utter_message(response="utter_code_not_sent", order_number=number)
            return None
        except SQLAlchemyError:
            log.exception("issuing a code failed")
            dispatcher.utter_message(response="utter_backoffice_error")
            return None
        dispatcher.utter_message(response="utter_code_sent", order_number=number,
                                 minutes=int(deps.codes.ttl.total_seconds() // 60))
        # pending_change stays: the code confirms exactly that change. awaiting_code starts the code form.
        return [SlotSet("new_address", None), SlotSet("verification_code", None), SlotSet("awaiting_code", True)]


def apply_change(session: Session, order: Order, kind: str, detail: str, dispatcher: CollectingDispatcher,
                 deps: Deps) -> None:
    """Apply a confirmed change to ``order`` (the one the shopper confirmed, not whatever was mentioned since).

    ``detail`` is the new address of an address change. A refusal by the policy is said, not raised; database
    errors are left to the caller.
    """
    now = deps.clock()
    try:
        if kind == "cancel":
            decision, refund = orders.cancel(session, order, rules=deps.kb.rules, now=now)
            refund_text = ""
            if refund is not None:
                refund_text = (f"£{money(refund.amount)} goes back to your original payment method within "
                               f"{deps.kb.rules.refund_processing_days} working days.")
                if decision.fee:
                    refund_text += f" (A £{money(decision.fee)} handling fee was deducted.)"
            dispatcher.utter_message(response="utter_cancelled", order_number=order.number,
                                     refund_text=refund_text.strip())
        elif kind == "change_address":
            orders.change_address(session, order, detail, rules=deps.kb.rules, now=now)
            dispatcher.utter_message(response="utter_address_changed", order_number=order.number, new_address=detail)
        elif kind == "refund":
            refund = orders.request_refund(session, order, rules=deps.kb.rules, now=now, reason="Requested in chat")
            dispatcher.utter_message(response="utter_refund_requested", order_number=order.number,
                                     amount=money(refund.amount), days=deps.kb.rules.refund_processing_days)
    except ValueError:
        dispatcher.utter_message(response="utter_bad_address")
    except PolicyRefused as refused:
        dispatcher.utter_message(response="utter_policy_refused", reason=refused.decision.reason)
