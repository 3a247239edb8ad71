"""nlu/scope.py inside Rasa: trained on sentence vectors, persisted, and overruling only a clear off-topic mistake."""

from __future__ import annotations

import pytest

from tests.nlu.conftest import run_in_rasa

pytestmark = pytest.mark.slow

CODE = """
import json, tempfile
from pathlib import Path
import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from nlu.scope import ScopeGuard

def unit(*values):
    v = np.zeros(4, np.float32); v[: len(values)] = values
    return v / np.linalg.norm(v)

def message(vector, intent=None, text="x"):
    m = Message.build(text=text, intent=intent) if intent else Message.build(text=text)
    m.add_features(Features(vector.reshape(1, -1), "sentence", "text", "enc"))
    return m

def classified(vector, ranking):
    m = message(vector)
    m.set("intent", {"name": ranking[0][0], "confidence": ranking[0][1]}, add_to_output=True)
    m.set("intent_ranking", [{"name": n, "confidence": c} for n, c in ranking], add_to_output=True)
    return m

training = TrainingData([message(unit(1, 0), "delivery_period"), message(unit(0, 1), "out_of_scope"),
                         message(unit(0, 0, 1), "track_order")])
folder = Path(tempfile.mkdtemp())
storage = LocalModelStorage(folder)
resource = Resource("scope")
context = ExecutionContext(graph_schema=None, node_name="scope")
config = {**ScopeGuard.get_default_config(), "min_similarity": 0.55, "margin": 0.17}
ScopeGuard.create(config, storage, resource, context).train(training)
guard = ScopeGuard.load(config, storage, resource, context)
off = [["out_of_scope", 1.0], ["delivery_period", 0.0], ["track_order", 0.0]]
near = classified(unit(1, 0.2), off)                   # close to a delivery_period example, far from off-topic
between = classified(unit(1, 0.9), off)                # as close to off-topic as to delivery_period
confident = classified(unit(1, 0.2), [["track_order", 0.9], ["delivery_period", 0.1]])
guard.process([near, between, confident])
switched_off = ScopeGuard.load({**config, "enabled": False}, storage, resource, context)
again = classified(unit(1, 0.2), off)
switched_off.process([again])
empty = ScopeGuard.load(config, LocalModelStorage(Path(tempfile.mkdtemp())), Resource("none"), context)
untouched = classified(unit(1, 0.2), off)
empty.process([untouched])
with_floor = ScopeGuard.load({**config, "min_in_scope_similarity": 0.5, "floor_max_confidence": 0.9}, storage,
                             resource, context)
unsure = [["track_order", 0.6], ["out_of_scope", 0.3], ["delivery_period", 0.1]]
far = classified(unit(0.3, 0, 0, 1), unsure)           # nearest request (delivery_period) at 0.29
far_sure = classified(unit(0.3, 0, 0, 1), [["track_order", 0.95], ["delivery_period", 0.05]])
far_no_floor = classified(unit(0.3, 0, 0, 1), unsure)
near_floor = classified(unit(1, 0.2), unsure)          # 0.98 to delivery_period: a request, left alone
far_off = classified(unit(0.3, 0, 0, 1), off)          # already off-topic: nothing to refuse
with_floor.process([far, far_sure, near_floor, far_off])
guard.process([far_no_floor])
print(json.dumps({
    "near": [near.get("intent"), [r["name"] for r in near.get("intent_ranking")], near.get("scope")],
    "between": [between.get("intent")["name"], between.get("scope")["rescued"]],
    "confident": [confident.get("intent")["name"], confident.get("scope")["rescued"]],
    "switched_off": [again.get("intent")["name"], again.get("scope")["rescued"]],
    "untrained": [untouched.get("intent")["name"], untouched.get("scope")],
    "far": [far.get("intent"), [r["name"] for r in far.get("intent_ranking")], far.get("scope")],
    "far_sure": [far_sure.get("intent")["name"], far_sure.get("scope")["floored"]],
    "far_no_floor": [far_no_floor.get("intent")["name"], far_no_floor.get("scope")["floored"]],
    "near_floor": [near_floor.get("intent")["name"], near_floor.get("scope")["floored"]],
    "far_off": [far_off.get("intent")["name"], far_off.get("scope")["floored"], far_off.get("scope")["rescued"]],
}))
"""


def test_overrules_only_a_clear_off_topic_mistake() -> None:
    result = run_in_rasa(CODE)
    intent, ranking, scope = result["near"]
    assert intent["name"] == "delivery_period" and 0.97 < intent["confidence"] <= 1.0
    assert ranking == ["delivery_period", "track_order"]  # out_of_scope leaves the ranking
    assert scope["rescued"] and scope["classifier_intent"] == "out_of_scope"
    assert scope["classifier_ranking"][0] == ["out_of_scope", 1.0]
    assert result["between"] == ["out_of_scope", False]  # the margin to the off-topic example is too small
    assert result["confident"] == ["track_order", False]  # only off-topic verdicts are reviewed
    assert result["switched_off"] == ["out_of_scope", False]
    assert result["untrained"] == ["out_of_scope", None]  # a model without the guard's data leaves messages alone
    assert not scope["floored"] and "reason" not in scope


def test_refuses_an_unsure_verdict_far_from_every_request() -> None:
    result = run_in_rasa(CODE)
    intent, ranking, scope = result["far"]
    assert intent["name"] == "out_of_scope" and intent["confidence"] == round(1 - scope["in_scope"], 4)
    assert 0.28 < scope["in_scope"] < 0.3 and scope["nearest_intent"] == "delivery_period"
    assert ranking == ["out_of_scope", "track_order", "delivery_period"]  # the classifier's guesses stay below
    assert scope["floored"] and not scope["rescued"] and scope["classifier_intent"] == "track_order"
    assert "min_in_scope_similarity 0.5" in scope["reason"] and "track_order 0.60" in scope["reason"]
    assert result["far_sure"] == ["track_order", False]  # the classifier is sure enough
    assert result["far_no_floor"] == ["track_order", False]  # the floor is off by default
    assert result["near_floor"] == ["track_order", False]  # close to a training request
    assert result["far_off"] == ["out_of_scope", False, False]
