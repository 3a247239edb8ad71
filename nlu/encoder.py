"""A transformer sentence encoder exported to ONNX, run with onnxruntime and a Hugging Face fast tokenizer.

No torch and no network: the folder written by ``nlu.export`` holds ``model.onnx``, ``tokenizer.json`` and
``encoder.json`` (pooling and length settings). Rasa's environment and the application's both import this.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "encoder.json"


class EncoderMissingError(FileNotFoundError):
    """The exported encoder folder is not there (``make setup`` exports it)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(f"no exported sentence encoder in {folder}: run `make setup` "
                         f"(or `.venv/bin/python -m nlu.export --out {folder}`)")


@dataclass(frozen=True)
class Encoded:
    """One batch: token vectors ``[batch, tokens, dim]``, the attention mask and each word piece's char span."""

    tokens: np.ndarray
    mask: np.ndarray
    offsets: list[list[tuple[int, int]]]

    def sentences(self) -> np.ndarray:
        """Mean of the token vectors under the mask, scaled to unit length: ``[batch, dim]`` float32."""
        weights = self.mask[..., None].astype(np.float32)
        summed = (self.tokens * weights).sum(axis=1)
        means = summed / np.maximum(weights.sum(axis=1), 1e-9)
        return (means / np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-12)).astype(np.float32)

    def spans(self, row: int, spans: Sequence[tuple[int, int]], sentence: np.ndarray | None = None) -> np.ndarray:
        """One vector per character span of row ``row`` (e.g. Rasa's tokens): the mean of the word pieces inside it.

        A span with no word piece (cut off by the length limit) gets the row's sentence vector (pass it as
        ``sentence`` when already computed, so a batch is not pooled again for every row).
        """
        offsets = self.offsets[row]
        vectors = self.tokens[row]
        fallback = sentence if sentence is not None else self.sentences()[row]
        out = np.empty((len(spans), vectors.shape[-1]), dtype=np.float32)
        for index, (start, end) in enumerate(spans):
            pieces = [i for i, (a, b) in enumerate(offsets) if b > a and a < end and b > start and self.mask[row, i]]
            out[index] = vectors[pieces].mean(axis=0) if pieces else fallback
        return out


class SentenceEncoder:
    """Encodes texts with an exported encoder; the session and tokenizer are built once per instance."""

    def __init__(self, folder: str | Path, threads: int = 1) -> None:
        self.folder = Path(folder)
        if not (self.folder / MODEL_FILE).exists() or not (self.folder / TOKENIZER_FILE).exists():
            raise EncoderMissingError(self.folder)
        import onnxruntime
        from tokenizers import Tokenizer

        meta = json.loads((self.folder / META_FILE).read_text(encoding="utf-8"))
        self.max_length = int(meta.get("max_length", 128))
        self.dimension = int(meta["dimension"])
        self.name = str(meta.get("name", self.folder.name))
        self.tokenizer = Tokenizer.from_file(str(self.folder / TOKENIZER_FILE))
        self.tokenizer.enable_truncation(self.max_length)
        self.tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session: Any = onnxruntime.InferenceSession(
            str(self.folder / MODEL_FILE), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}

    def encode(self, texts: Sequence[str]) -> Encoded:
        """Token vectors for a batch of texts (padded to the longest in the batch)."""
        if not texts:
            return Encoded(np.zeros((0, 0, self.dimension), np.float32), np.zeros((0, 0), np.int64), [])
        encodings = self.tokenizer.encode_batch(list(texts))
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        types = np.zeros((len(texts), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = encoding.attention_mask
            types[row, : len(encoding.ids)] = encoding.type_ids
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        (tokens,) = self.session.run(["last_hidden_state"], {k: v for k, v in feeds.items() if k in self.inputs})
        offsets = [[(int(a), int(b)) for a, b in e.offsets] + [(0, 0)] * (width - len(e.ids)) for e in encodings]
        return Encoded(np.asarray(tokens, dtype=np.float32), mask, offsets)

    def sentences(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length sentence vectors ``[len(texts), dim]``, in batches of similar length."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            out[chunk] = self.encode([texts[i] for i in chunk]).sentences()
        return out
