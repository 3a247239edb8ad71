"""Tests for scripts/build_nlu.py: the Bitext split is deterministic, disjoint, stratified and committed as built."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import yaml

REPO = Path(__file__).resolve().parents[2]


def _load_build_nlu() -> ModuleType:
    """Import scripts/build_nlu.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("build_nlu", REPO / "scripts" / "build_nlu.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_nlu"] = module
    spec.loader.exec_module(module)
    return module


build_nlu = _load_build_nlu()


def _examples_from_yaml(path: Path) -> dict[str, list[str]]:
    """Parse a Rasa NLU YAML file into {intent: [examples]} with PyYAML."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    result: dict[str, list[str]] = {}
    for block in data["nlu"]:
        lines = [line.strip() for line in block["examples"].splitlines() if line.strip()]
        assert all(line.startswith("- ") for line in lines)
        result[block["intent"]] = [line[2:] for line in lines]
    return result


def test_split_is_deterministic() -> None:
    first = build_nlu.split(build_nlu.read_examples())
    second = build_nlu.split(build_nlu.read_examples())
    assert first == second
    # The order of the input rows must not matter either.
    reversed_input = {intent: list(reversed(texts)) for intent, texts in build_nlu.read_examples().items()}
    assert build_nlu.split(reversed_input) == first


def test_split_is_disjoint_and_complete() -> None:
    examples = build_nlu.read_examples()
    train, validation = build_nlu.split(examples)
    train_keys = {build_nlu.dedup_key(t) for texts in train.values() for t in texts}
    val_keys = {build_nlu.dedup_key(t) for texts in validation.values() for t in texts}
    assert not train_keys & val_keys
    all_keys = {build_nlu.dedup_key(t) for texts in examples.values() for t in texts}
    assert train_keys | val_keys == all_keys
    assert len(all_keys) == sum(len(texts) for texts in examples.values()), "duplicates survived"


def test_split_is_stratified() -> None:
    examples = build_nlu.read_examples()
    train, validation = build_nlu.split(examples)
    assert len(examples) == 27
    for intent, texts in examples.items():
        assert train[intent] and validation[intent], intent
        share = len(validation[intent]) / len(texts)
        assert 0.07 <= share <= 0.13, (intent, share)


def test_committed_files_match_build() -> None:
    for path, content in build_nlu.render().items():
        assert path.read_text(encoding="utf-8") == content, f"{path} is stale: run python scripts/build_nlu.py"


def test_committed_yaml_parses_to_split() -> None:
    train, validation = build_nlu.split(build_nlu.read_examples())
    assert _examples_from_yaml(build_nlu.TRAIN_PATH) == train
    assert _examples_from_yaml(build_nlu.VALIDATION_PATH) == validation
