"""Rasa's input channel (bot/channel.py) runs in the Rasa environment: these tests drive it there."""

from __future__ import annotations

from tests.nlu.conftest import run_in_rasa

CHECKS = r"""
import json, time
from types import SimpleNamespace
from backoffice.identity import Identity, sign
from backoffice.install_secret import derive
from bot.channel import ShopdeskInput

secret = "channel-test-secret-0123456789"
channel = ShopdeskInput.from_credentials({"secret": secret})
token = "Bearer " + derive(secret, "internal-token")

def request(body, authorization=token):
    return SimpleNamespace(headers={"authorization": authorization} if authorization else {}, json=body)

def signed(text, sender="conv-1", role="shopper", **kw):
    return {"sender": sender, "message": text, "metadata": sign(Identity(sender, None, role), secret, text=text, **kw)}

good = signed("where is my order?")
results = {
    "no token": channel.refusal(request(good, None)),
    "wrong token": channel.refusal(request(good, "Bearer nope")),
    "unsigned": channel.refusal(request({"sender": "conv-1", "message": "hi"})),
    "other text": channel.refusal(request({**good, "message": "cancel order 581474"})),
    "other conversation": channel.refusal(request({**good, "sender": "conv-2"})),
    "stale": channel.refusal(request(signed("hi", now=time.time() - 7200))),
    "not a string": channel.refusal(request({"sender": "conv-1", "message": 5, "metadata": {}})),
    "first delivery": channel.refusal(request(good)),
    "replay": channel.refusal(request(good)),
    "next message": channel.refusal(request(signed("and my refund?"))),
}
try:
    ShopdeskInput.from_credentials({"secret": ""})
    results["empty secret"] = "accepted"
except ValueError:
    results["empty secret"] = "refused"
print(json.dumps({key: list(value) if isinstance(value, tuple) else value for key, value in results.items()}))
"""


def test_the_channel_takes_only_signed_fresh_single_use_messages_with_the_token() -> None:
    results = run_in_rasa(CHECKS, timeout=120)
    assert results["no token"][0] == 401 and results["wrong token"][0] == 401
    for case in ("unsigned", "other text", "other conversation", "stale"):
        assert results[case][0] == 403, case
    assert results["not a string"][0] == 400
    assert results["first delivery"] is None and results["next message"] is None
    assert results["replay"] == [403, "this signed message was already delivered"]
    assert results["empty secret"] == "refused"
