"""Rasa 3.6 graph component: dense sequence and sentence features from the ONNX sentence encoder.

In ``config.yml`` after the tokenizer::

    - name: nlu.featurizer.SentenceEncoderFeaturizer
      model: models/encoder/all-MiniLM-L6-v2   # a folder written by `python -m nlu.export`

Each Rasa token gets the mean of the word pieces inside it; the sentence feature is the mean-pooled, unit-length
sentence vector the encoder was trained to produce. Nothing is trained; the encoder loads once per process.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.encoder import SentenceEncoder

logger = logging.getLogger(__name__)
BATCH_SIZE = 64


@lru_cache(maxsize=2)
def shared_encoder(folder: str, threads: int) -> SentenceEncoder:
    """One encoder per folder and process (training and serving graphs in one process share it)."""
    return SentenceEncoder(folder, threads=threads)


def resolve(folder: str) -> Path:
    """The encoder folder: absolute, or relative to the working directory (the project root for ``rasa``)."""
    return Path(folder).expanduser().resolve()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds the encoder's token and sentence vectors to every message's text."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "model": "models/encoder/all-MiniLM-L6-v2", "threads": 1}

    @staticmethod
    def required_packages() -> list[str]:
        return ["onnxruntime", "tokenizers"]

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if not config.get("model"):
            raise ValueError("SentenceEncoderFeaturizer needs `model`: a folder written by `python -m nlu.export`")

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SentenceEncoderFeaturizer:
        return cls(execution_context.node_name, config)

    def __init__(self, name: str, config: dict[str, Any]) -> None:
        super().__init__(name, config)
        self.encoder = shared_encoder(str(resolve(config["model"])), int(config.get("threads", 1)))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurize every training example that has text, in batches of similar length."""
        messages = [m for m in training_data.training_examples if m.get(TEXT) and m.get(TOKENS_NAMES[TEXT])]
        messages.sort(key=lambda m: len(m.get(TEXT)))
        for start in range(0, len(messages), BATCH_SIZE):
            self._featurize(messages[start : start + BATCH_SIZE])
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Featurize incoming messages."""
        self._featurize([m for m in messages if m.get(TEXT) and m.get(TOKENS_NAMES[TEXT])])
        return messages

    def _featurize(self, messages: list[Message]) -> None:
        if not messages:
            return
        encoded = self.encoder.encode([m.get(TEXT) for m in messages])
        sentences = encoded.sentences()
        for row, message in enumerate(messages):
            tokens = message.get(TOKENS_NAMES[TEXT])
            sequence = encoded.spans(row, [(t.start, t.end) for t in tokens], sentences[row])
            self.add_features_to_message(sequence=sequence, sentence=sentences[row : row + 1].astype(np.float32),
                                         attribute=TEXT, message=message)
