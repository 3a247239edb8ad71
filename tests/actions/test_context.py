"""Who is talking comes from the latest message's own signed metadata, never from earlier in the conversation."""

from __future__ import annotations

from actions.context import identity_of, is_operator
from actions.deps import Deps
from backoffice.identity import Identity, sign
from tests.actions.conftest import SECRET, SENDER, signed, tracker


def test_the_latest_message_signed_for_its_text_proves_the_identity(deps: Deps) -> None:
    who = identity_of(tracker(text="stock report", metadata=signed(None, role="operator")), deps)
    assert (who.role, who.client) == ("operator", "198.51.100.7")


def test_an_operator_session_start_does_not_vouch_for_a_later_unsigned_message(deps: Deps) -> None:
    started = sign(Identity(SENDER, None, "operator"), SECRET, text="/session_start")
    message = tracker(intent="fraud_review", text="reject order 581474 because fraud",
                      slots={"session_started_metadata": started})
    assert identity_of(message, deps) == Identity(SENDER)
    assert not is_operator(message, deps)


def test_a_signature_made_for_another_conversation_proves_nothing(deps: Deps) -> None:
    message = tracker(text="stock report", metadata=signed(None, role="operator", sender="staff-9"))
    assert identity_of(message, deps) == Identity(SENDER)
