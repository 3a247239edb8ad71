"""Rasa 3.6 graph component: an off-topic verdict is overruled near a real request, a request far from all is refused.

DIET can be sure that "how long till my stuff gets here" is off-topic (confidence 1.00) although its nearest
training sentence is a ``delivery_period`` example. After the intent classifier, this guard compares the message's
encoder sentence vector with every training example's:

* ``in_scope`` = the highest cosine similarity to an in-scope example (and that example's intent);
* ``off_topic`` = the highest cosine similarity to an ``out_of_scope`` example.

When DIET says ``out_of_scope`` but ``in_scope >= min_similarity`` and ``in_scope - off_topic >= margin``, the
intent becomes the nearest example's, with the similarity as confidence (so the fallback classifier after it
still asks when that is low).

The other way round, DIET gives off-topic questions ("what size wipers does this car take") some shop intent with
a confidence above the fallback's threshold. When DIET says anything but ``out_of_scope`` with a confidence below
``floor_max_confidence`` and ``in_scope < min_in_scope_similarity`` (no training request is even loosely alike),
the intent becomes ``out_of_scope`` with confidence ``1 - in_scope``; the view says so (``floored``, ``reason``).
``min_in_scope_similarity: -1`` switches this floor off.

The numbers are chosen on the held-out validation set (``tests/nlu/natural_validation.yml``) and, for the floor,
off-topic questions never trained on (CLINC150 ``oos_train``) by ``scripts/calibrate_nlu.py``, never on the test
sets. Every parse carries the guard's view under ``scope`` for monitoring and calibration.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

OUT_OF_SCOPE = "out_of_scope"
SCOPE_KEY = "scope"
FILE = "scope.npz"


def sentence_vector(message: Message) -> np.ndarray | None:
    """The message's dense sentence feature, scaled to unit length (``None`` without dense features)."""
    _sequence, sentence = message.get_dense_features(TEXT)
    if sentence is None:
        return None
    vector = np.asarray(sentence.features, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class ScopeGuard(GraphComponent, IntentClassifier):
    """Keeps real requests that the classifier called off-topic and refuses messages far from every request."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # The floor is off by default (a similarity is never below -1); config.yml sets the calibrated values.
        return {"enabled": True, "min_similarity": 0.55, "margin": 0.17, "min_in_scope_similarity": -1.0,
                "floor_max_confidence": 1.0}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> ScopeGuard:
        return cls(config, model_storage, resource)

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 vectors: np.ndarray | None = None, intents: np.ndarray | None = None) -> None:
        self.config = config
        self._storage = model_storage
        self._resource = resource
        self.vectors = vectors if vectors is not None else np.zeros((0, 0), np.float32)
        self.intents = intents if intents is not None else np.zeros(0, dtype=str)

    def train(self, training_data: TrainingData) -> Resource:
        """Keep the unit sentence vector and intent of every training example."""
        rows: list[np.ndarray] = []
        labels: list[str] = []
        for message in training_data.intent_examples:
            vector = sentence_vector(message)
            if vector is not None:
                rows.append(vector)
                labels.append(str(message.get(INTENT)))
        self.vectors = np.vstack(rows).astype(np.float32) if rows else np.zeros((0, 0), np.float32)
        self.intents = np.asarray(labels, dtype=str)
        with self._storage.write_to(self._resource) as folder:
            np.savez_compressed(folder / FILE, vectors=self.vectors, intents=self.intents)
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> ScopeGuard:
        try:
            with model_storage.read_from(resource) as folder:
                saved = np.load(folder / FILE, allow_pickle=False)
                return cls(config, model_storage, resource, saved["vectors"], saved["intents"])
        except (ValueError, FileNotFoundError, OSError):
            return cls(config, model_storage, resource)

    def view(self, vector: np.ndarray) -> dict[str, Any]:
        """Nearest in-scope intent and the two best similarities for one unit sentence vector."""
        similarities = self.vectors @ vector
        off = self.intents == OUT_OF_SCOPE
        in_scope = np.where(off, -1.0, similarities)
        best = int(np.argmax(in_scope))
        return {"nearest_intent": str(self.intents[best]), "in_scope": round(float(in_scope[best]), 4),
                "off_topic": round(float(similarities[off].max()), 4) if off.any() else -1.0}

    def floor(self, view: dict[str, Any], intent: dict[str, Any]) -> str | None:
        """Why an in-scope verdict is refused (no training request alike and the classifier not sure), or ``None``."""
        name = intent.get(INTENT_NAME_KEY)
        confidence = float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        if (not self.config["enabled"] or name in (None, OUT_OF_SCOPE)
                or view["in_scope"] >= self.config["min_in_scope_similarity"]
                or confidence >= self.config["floor_max_confidence"]):
            return None
        return (f"nearest request {view['in_scope']:.2f} < min_in_scope_similarity "
                f"{self.config['min_in_scope_similarity']} and {name} {confidence:.2f} < floor_max_confidence "
                f"{self.config['floor_max_confidence']}")

    def process(self, messages: list[Message]) -> list[Message]:
        """Record the view on every message; overrule or refuse as the class docstring says.

        An off-topic verdict close to a real request is overruled; a request far from every training request is
        refused (the floor).
        """
        if self.vectors.size == 0:
            return messages
        for message in messages:
            vector = sentence_vector(message)
            intent = message.get(INTENT) or {}
            if vector is None or vector.shape[0] != self.vectors.shape[1]:
                continue
            view = self.view(vector)
            view["classifier_intent"] = intent.get(INTENT_NAME_KEY)
            ranking = (message.get(INTENT_RANKING_KEY) or [])[:5]
            view["classifier_ranking"] = [
                [r.get(INTENT_NAME_KEY), round(float(r.get(PREDICTED_CONFIDENCE_KEY) or 0), 4)] for r in ranking]
            rescued = (self.config["enabled"] and intent.get(INTENT_NAME_KEY) == OUT_OF_SCOPE
                       and view["in_scope"] >= self.config["min_similarity"]
                       and view["in_scope"] - view["off_topic"] >= self.config["margin"])
            view["rescued"] = bool(rescued)
            reason = self.floor(view, intent)
            view["floored"] = reason is not None
            if reason is not None:
                view["reason"] = reason
            message.set(SCOPE_KEY, view, add_to_output=True)
            if rescued:
                chosen = {INTENT_NAME_KEY: view["nearest_intent"], PREDICTED_CONFIDENCE_KEY: view["in_scope"]}
                others = [r for r in message.get(INTENT_RANKING_KEY) or []
                          if r.get(INTENT_NAME_KEY) not in (view["nearest_intent"], OUT_OF_SCOPE)]
                message.set(INTENT, chosen, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [chosen, *others], add_to_output=True)
            elif reason is not None:
                refused = {INTENT_NAME_KEY: OUT_OF_SCOPE,
                           PREDICTED_CONFIDENCE_KEY: round(min(1.0, max(0.0, 1.0 - view["in_scope"])), 4)}
                others = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != OUT_OF_SCOPE]
                message.set(INTENT, refused, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [refused, *others], add_to_output=True)
        return messages
