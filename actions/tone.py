"""How a message sounds: upset shoppers are apologised to and handed to a person, never told "off-topic"."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# Words of frustration that a general sentiment lexicon scores mildly or not at all in a shop context.
FRUSTRATION = re.compile(
    r"\b(ridiculous|unacceptable|disgrace(?:ful)?|disgusted|fuming|furious|livid|outraged|appalling|shocking|"
    r"terrible|horrible|awful|useless|pathetic|joke|scam(?:mers?)?|rip[- ]?off|fed up|sick of|had enough|"
    r"worst|rubbish|wtf|ffs|still (?:not|no|nothing|waiting)|nobody (?:tells|answers|replies|helps)|"
    r"no one (?:tells|answers|replies|helps)|again\W*$|complain(?:t|ing)?)\b", re.I)
SHOUTED_WORD = re.compile(r"\b[A-Z]{3,}\b")
# VADER's compound score at or below which a message counts as clearly negative.
NEGATIVE = -0.45


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    """VADER's analyzer (its lexicon ships inside the package), built on first use."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def negativity(text: str) -> float:
    """VADER's compound score in [-1, 1]; negative means the message reads as negative."""
    return float(_analyzer().polarity_scores(text)["compound"])


def sounds_upset(text: str) -> bool:
    """True when the message shows anger or frustration: strong words, shouting, or a clearly negative tone.

    Short answers ("no", "nope, cancel it") are not upset: they need at least four words or a strong word.
    """
    text = text.strip()
    if not text or text.startswith("/"):
        return False
    if FRUSTRATION.search(text):
        return True
    words = text.split()
    shouted = [w for w in SHOUTED_WORD.findall(text) if w not in {"SKU", "VAT", "UK", "USA", "EU", "OK", "PDF"}]
    if len(shouted) >= 2 and len(shouted) >= len(words) / 2:
        return True
    if len(words) < 4:
        return False
    score = negativity(text)
    return score <= NEGATIVE or (score < 0 and "!!" in text)
