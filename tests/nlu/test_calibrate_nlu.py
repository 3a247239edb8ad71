"""scripts/calibrate_nlu.py: replaying the scope guard and the fallback classifier from recorded parses."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("calibrate_nlu", REPO / "scripts" / "calibrate_nlu.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["calibrate_nlu"] = module
    spec.loader.exec_module(module)
    return module


calibrate = _load()
POINT = {"min_similarity": 0.55, "margin": 0.17, "threshold": 0.3, "ambiguity_threshold": 0.05}


def parse(ranking: list[list[object]], in_scope: float = 0.0, off_topic: float = 0.0, nearest: str = "track_order",
          intent: str | None = None) -> dict[str, object]:
    return {"intent": {"name": intent or ranking[0][0]},
            "scope": {"classifier_ranking": ranking, "in_scope": in_scope, "off_topic": off_topic,
                      "nearest_intent": nearest}}


def test_decide_replays_the_guard_then_the_fallback() -> None:
    off = [["out_of_scope", 1.0], ["track_order", 0.0]]
    assert calibrate.decide(parse(off, 0.8, 0.5), POINT) == "track_order"
    assert calibrate.decide(parse(off, 0.8, 0.7), POINT) == "out_of_scope"  # margin too small
    assert calibrate.decide(parse(off, 0.5, 0.1), POINT) == "out_of_scope"  # not similar enough
    assert calibrate.decide(parse([["get_refund", 0.25], ["track_order", 0.2]]), POINT) == "nlu_fallback"
    assert calibrate.decide(parse([["get_refund", 0.45], ["track_order", 0.42]]), POINT) == "nlu_fallback"
    assert calibrate.decide(parse([["get_refund", 0.6], ["track_order", 0.3]]), POINT) == "get_refund"
    assert calibrate.decide(parse([["greet", 0.9]], intent="other_language"), POINT) == "other_language"


def test_score_counts_refusals_of_real_requests_and_of_off_topic() -> None:
    parses = [parse([["track_order", 0.9]]), parse([["out_of_scope", 0.9]]), parse([["greet", 0.1]])]
    result = calibrate.score(parses, ["track_order", "out_of_scope", "thank"], POINT)
    assert result == {"accuracy": round(2 / 3, 4), "in_scope_refused": 0.5, "off_topic_declined": 1.0}
