"""nlu/language.py inside Rasa: clearly foreign messages get `other_language`, English (even mixed) does not."""

from __future__ import annotations

import pytest

from tests.nlu.conftest import run_in_rasa

pytestmark = pytest.mark.slow

CODE = """
import json
from rasa.shared.nlu.training_data.message import Message
from nlu.language import LanguageGuard

def classify(config, texts):
    guard = LanguageGuard({**LanguageGuard.get_default_config(), **config})
    out = []
    for text in texts:
        message = Message.build(text=text)
        message.set("intent", {"name": "affirm", "confidence": 0.9}, add_to_output=True)
        message.set("intent_ranking", [{"name": "affirm", "confidence": 0.9}], add_to_output=True)
        guard.process([message])
        out.append([message.get("intent")["name"], message.get("intent")["confidence"], message.get("language"),
                    [r["name"] for r in message.get("intent_ranking")]])
    return out

texts = ["我的订单在哪里？", "ich möchte meine Bestellung stornieren bitte",
         "¿dónde está mi pedido? lo pedí hace semanas", "ok",
         "hola, where is my order", "deliver to Köln please", "order 581474", "/affirm", "gracias for the help"]
print(json.dumps({"on": classify({}, texts), "off": classify({"enabled": False}, texts[:2])}))
"""


def test_foreign_messages_get_other_language_and_english_is_left_alone() -> None:
    result = run_in_rasa(CODE)
    on = result["on"]
    assert [row[0] for row in on[:3]] == ["other_language"] * 3
    assert on[0][1] == 1.0 and on[0][2] == "chinese" and on[1][2] == "german" and on[2][2] == "spanish"
    assert on[0][3][:2] == ["other_language", "affirm"]  # the English guess stays in the ranking, at zero
    assert [row[0] for row in on[3:]] == ["affirm"] * 6
    assert [row[0] for row in result["off"]] == ["affirm", "affirm"]
