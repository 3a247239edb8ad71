"""nlu/featurizer.py inside Rasa: dense sequence and sentence features on real Rasa messages."""

from __future__ import annotations

import pytest

from tests.nlu.conftest import run_in_rasa

pytestmark = pytest.mark.slow

CODE = """
import json
import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from nlu.encoder import SentenceEncoder
from nlu.featurizer import SentenceEncoderFeaturizer

context = ExecutionContext(graph_schema=None, node_name="encoder")
config = {**SentenceEncoderFeaturizer.get_default_config()}
featurizer = SentenceEncoderFeaturizer.create(config, None, Resource("encoder"), context)
tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
texts = ["where's my parcel?? order 581474", "I want a refund"]
messages = [Message.build(text=t, intent="x") for t in texts]
data = TrainingData(messages)
tokenizer.process_training_data(data)
featurizer.process_training_data(data)
incoming = [Message.build(text=texts[0])]
tokenizer.process(incoming)
featurizer.process(incoming)
seq, sent = incoming[0].get_dense_features("text")
seq_train, sent_train = messages[0].get_dense_features("text")
reference = SentenceEncoder(config["model"]).sentences(texts[:1])[0]
print(json.dumps({
    "tokens": len(incoming[0].get("text_tokens")),
    "sequence_shape": list(seq.features.shape),
    "sentence_shape": list(sent.features.shape),
    "origins": sorted({f.origin for f in incoming[0].features}),
    "same_as_training": bool(np.allclose(sent.features, sent_train.features, atol=1e-5)),
    "sentence_matches_encoder": float(np.abs(sent.features[0] - reference).max()),
    "second_has_features": messages[1].get_dense_features("text")[1] is not None,
}))
"""


def test_adds_one_vector_per_token_and_the_sentence_vector() -> None:
    result = run_in_rasa(CODE)
    assert result["sequence_shape"] == [result["tokens"], 384]
    assert result["sentence_shape"] == [1, 384]
    assert result["origins"] == ["encoder"]
    assert result["same_as_training"] and result["second_has_features"]
    assert result["sentence_matches_encoder"] < 1e-5
