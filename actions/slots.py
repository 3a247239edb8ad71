"""Slot values read with their types checked: a hand-typed ``/intent{json}`` can put anything into a slot."""

from __future__ import annotations

from rasa_sdk import Tracker

MAX_TEXT_CHARS = 500
MAX_LIST_ITEMS = 50


def text_slot(tracker: Tracker, name: str) -> str | None:
    """The slot as a string (at most ``MAX_TEXT_CHARS``), or None when it is unset or not a string."""
    value = tracker.get_slot(name)
    return value[:MAX_TEXT_CHARS] if isinstance(value, str) else None


def list_slot(tracker: Tracker, name: str) -> list[str]:
    """The slot's string items (at most ``MAX_LIST_ITEMS``); anything else reads as an empty list."""
    value = tracker.get_slot(name)
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, str)][:MAX_LIST_ITEMS]
