"""The ONNX sentence encoder (nlu/encoder.py) against sentence-transformers, and its word-piece spans."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nlu.encoder import EncoderMissingError, SentenceEncoder

REPO = Path(__file__).resolve().parents[2]
EXPORTED = REPO / "models" / "encoder" / "all-MiniLM-L6-v2"


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    if not (EXPORTED / "model.onnx").exists():
        pytest.fail(f"{EXPORTED} is missing: `make setup` exports it")
    return SentenceEncoder(EXPORTED)


def test_sentence_vectors_match_sentence_transformers(encoder: SentenceEncoder) -> None:
    from nlu.export import load

    texts = ["wheres my parcel??", "I'd like my money back for order 581474, the lamp is broken", "hi", "Ünïcode ✓"]
    reference = load("all-MiniLM-L6-v2").encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    ours = encoder.sentences(texts)
    assert ours.shape == (4, 384) and ours.dtype == np.float32
    assert np.abs(ours - reference).max() < 1e-4


def test_paraphrases_are_closer_than_other_topics(encoder: SentenceEncoder) -> None:
    track, parcel, weather = encoder.sentences(["track my package", "where is my parcel", "will it rain tomorrow"])
    assert float(track @ parcel) > float(track @ weather) + 0.2


def test_spans_average_the_word_pieces_inside_each_token(encoder: SentenceEncoder) -> None:
    text = "parcelforce parcel"
    encoded = encoder.encode([text])
    vectors = encoded.spans(0, [(0, 11), (12, 18), (40, 45)])
    pieces = [i for i, (a, b) in enumerate(encoded.offsets[0]) if b > a and a < 11]
    assert len(pieces) > 1  # "parcelforce" is several word pieces
    assert np.allclose(vectors[0], encoded.tokens[0][pieces].mean(axis=0))
    assert np.allclose(vectors[2], encoded.sentences()[0])  # a span with no word piece gets the sentence vector


def test_long_messages_are_truncated_not_rejected(encoder: SentenceEncoder) -> None:
    vectors = encoder.sentences(["parcel " * 2000, ""])
    assert vectors.shape == (2, 384) and np.isfinite(vectors).all()


def test_batches_of_mixed_length_keep_their_order(encoder: SentenceEncoder) -> None:
    texts = ["a much longer message about a refund for a broken candle holder", "hi", "where is my order"]
    together = encoder.sentences(texts, batch_size=2)
    alone = np.vstack([encoder.sentences([t]) for t in texts])
    assert np.abs(together - alone).max() < 1e-5


def test_a_missing_export_says_how_to_make_it(tmp_path: Path) -> None:
    with pytest.raises(EncoderMissingError, match="make setup"):
        SentenceEncoder(tmp_path)
