"""Pure text helpers for the actions: ordinals, addresses, transcripts."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from backoffice.tickets import TranscriptLine

ORDINALS = {
    "first": 1, "1st": 1, "one": 1, "second": 2, "2nd": 2, "two": 2, "third": 3, "3rd": 3, "three": 3,
    "fourth": 4, "4th": 4, "four": 4, "fifth": 5, "5th": 5, "five": 5,
}


def pick_from_list(ordinal: str | None, items: list[str] | None) -> str | None:
    """The item that ``ordinal`` ("second", "2nd", "last", "2") points at in ``items``, if any."""
    if not ordinal or not items:
        return None
    word = ordinal.strip().lower()
    if word in ("last", "last one", "latest", "most recent"):
        return items[-1] if word.startswith("last") else items[0]
    digits = re.search(r"\d+", word)
    position = int(digits.group()) if digits else ORDINALS.get(word.split()[-1] if word.split() else word)
    if position is None or not 1 <= position <= len(items):
        return None
    return items[position - 1]


def mistyped_order_number(text: str) -> str | None:
    """A token that was meant as an order number but isn't one (too few or too many digits), if any."""
    match = re.search(r"(?<![\w@.])#?[A-Za-z]{0,3}-?\d{2,12}(?![\w@])", text)
    if match is None or len(text.strip()) > 40:
        return None
    return match.group().lstrip("#")


def means_newest(text: str) -> bool:
    """"my last order", "the latest one", "most recent": the newest order, not the last item of a list."""
    return re.search(r"\b(latest|most recent|newest|last order|last purchase)\b", text.lower()) is not None


def transcript(events: list[dict[str, Any]], limit: int = 200) -> list[TranscriptLine]:
    """The user and bot messages of a Rasa event list, oldest first."""
    lines: list[TranscriptLine] = []
    for event in events:
        kind = event.get("event")
        if kind not in ("user", "bot") or not event.get("text"):
            continue
        at = datetime.fromtimestamp(float(event.get("timestamp") or 0), tz=UTC).replace(tzinfo=None)
        lines.append(TranscriptLine(at=at, sender="customer" if kind == "user" else "bot", text=str(event["text"])))
    return lines[-limit:]


_COUNT_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "twenty": 20,
                "thirty": 30}
_SPAN = re.compile(r"\b(\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen"
                   r"|twenty|thirty)\s+(day|days|week|weeks|month|months|fortnight)\b")


def days_in(text: str, default: int) -> int:
    """The time span a question names, in days ("next four weeks" → 28, "14 days" → 14, "next month" → 28)."""
    lower = text.lower()
    match = _SPAN.search(lower)
    if match:
        count = int(match.group(1)) if match.group(1).isdigit() else _COUNT_WORDS[match.group(1)]
        unit = match.group(2)
        per = 1 if unit.startswith("day") else 7 if unit.startswith("week") else 14 if unit == "fortnight" else 28
        return max(1, min(count * per, 365))
    if re.search(r"\b(next|this|coming) month\b", lower):
        return 28
    if re.search(r"\b(next|this|coming) week\b", lower):
        return 7
    if "fortnight" in lower:
        return 14
    return default
