"""nlu/export.py writes a folder the ONNX encoder loads, with the same vectors as sentence-transformers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlu import export


def test_export_writes_model_tokenizer_and_settings(tmp_path: Path) -> None:
    out = tmp_path / "enc"
    assert export.main(["--out", str(out), "--check"]) == 0
    assert {p.name for p in out.iterdir()} == {"model.onnx", "tokenizer.json", "encoder.json"}
    meta = json.loads((out / "encoder.json").read_text())
    assert meta["dimension"] == 384 and meta["pooling"] == "mean" and meta["name"] == "all-MiniLM-L6-v2"
    assert export.check("all-MiniLM-L6-v2", out, ["a different sentence than the built-in ones"]) < 1e-4


def test_unknown_models_are_refused_not_downloaded(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="local model folder"):
        export.export("sentence-transformers/some-hub-model", tmp_path)
