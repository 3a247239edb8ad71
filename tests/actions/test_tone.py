from __future__ import annotations

import pytest

from actions.tone import sounds_upset


@pytest.mark.parametrize("text", [
    "this is ridiculous, my parcel is late again and nobody tells me anything!!",
    "I hate this shop, never again",
    "WHERE IS MY ORDER I PAID TWO WEEKS AGO",
    "absolutely fuming",
    "still nothing from you lot",
    "you are useless",
])
def test_anger_and_frustration_are_heard(text: str) -> None:
    assert sounds_upset(text)


@pytest.mark.parametrize("text", [
    "no", "nope, cancel it", "track my package", "what's the weather in Leeds", "do you take PayPal?",
    "my order 581474 hasn't arrived yet, can you check", "thanks so much!", "/out_of_scope", "",
    "is the UK VAT included in the PDF invoice",
])
def test_ordinary_messages_are_not_upset(text: str) -> None:
    assert not sounds_upset(text)
