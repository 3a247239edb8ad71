"""scripts/calibrate_nlu.py: replaying the scope guard and the fallback classifier from recorded parses."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

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


FLOOR = {**POINT, "min_in_scope_similarity": 0.4, "floor_max_confidence": 0.9}


def test_decide_replays_the_floor() -> None:
    sure = [["track_order", 0.95], ["delivery_period", 0.05]]
    unsure = [["track_order", 0.6], ["delivery_period", 0.2]]
    assert calibrate.decide(parse(unsure, 0.3, 0.2), FLOOR) == "out_of_scope"  # far from every request
    assert calibrate.decide(parse(unsure, 0.3, 0.2), POINT) == "track_order"  # no floor without its keys
    assert calibrate.decide(parse(unsure, 0.45, 0.2), FLOOR) == "track_order"  # close enough to a request
    assert calibrate.decide(parse(sure, 0.3, 0.2), FLOOR) == "track_order"  # the classifier is sure enough
    # Refused with confidence 1 - 0.3 = 0.7, the classifier's 0.68 next to it: too close, so the fallback asks.
    assert calibrate.decide(parse([["track_order", 0.68], ["get_refund", 0.2]], 0.3), FLOOR) == "nlu_fallback"
    off = [["out_of_scope", 0.9], ["track_order", 0.1]]
    assert calibrate.decide(parse(off, 0.2, 0.6), FLOOR) == "out_of_scope"  # off-topic verdicts stay as they are


def test_the_array_replay_decides_like_decide() -> None:
    rng = np.random.default_rng(7)
    intents = ["track_order", "get_refund", "greet", "out_of_scope"]
    parses = []
    for i in range(400):
        confidences = sorted(rng.random(3), reverse=True)
        names = list(rng.permutation(intents)[:3])
        parses.append(parse([[n, round(float(c), 4)] for n, c in zip(names, confidences, strict=True)],
                            round(float(rng.random()), 4), round(float(rng.random()), 4),
                            nearest=str(rng.choice(intents[:3])),
                            intent="other_language" if i % 50 == 0 else None))
    parses.append({"intent": {"name": "greet"}})  # a parse without the guard's view
    table = calibrate.Table.build(parses)
    gold = [str(rng.choice(intents)) for _ in parses]
    points = [(0.5, 0.1, 0.3, 0.03, -1.0, 1.01), (0.6, 0.2, 0.4, 0.1, 0.4, 0.9), (2.0, 0.1, 0.2, 0.05, 0.55, 1.01)]
    for values in points:
        point = dict(zip(calibrate.GRID, values, strict=True))
        assert [table.names[c] for c in table.decide(point)] == [calibrate.decide(p, point) for p in parses]
        assert calibrate.score_table(table, gold, point) == calibrate.score(parses, gold, point)


def test_choose_needs_the_negatives_declined_and_reports_the_best_without_floor() -> None:
    def row(accuracy: float, refused: float, negatives: float, floor: float) -> dict[str, float]:
        return {**POINT, "min_in_scope_similarity": floor, "floor_max_confidence": 1.01, "accuracy": accuracy,
                "in_scope_refused": refused, "off_topic_declined": 0.95, "negatives_declined": negatives}

    rows = [row(0.95, 0.02, 0.85, -1.0), row(0.94, 0.025, 0.91, 0.35), row(0.945, 0.04, 0.97, 0.5),
            row(0.94, 0.025, 0.93, 0.4)]
    best, no_floor, met = calibrate.choose(rows, max_refused=0.03, min_off_topic=0.93, min_negatives=0.9)
    assert met and best["min_in_scope_similarity"] == 0.4  # same accuracy as 0.35, more negatives declined
    assert no_floor["min_in_scope_similarity"] == -1.0 and no_floor["negatives_declined"] == 0.85
    _best, _no, met = calibrate.choose(rows, max_refused=0.03, min_off_topic=0.93, min_negatives=0.99)
    assert not met
    curve = calibrate.tradeoff(rows, max_refused=0.03, min_off_topic=0.93)
    assert [r["min_in_scope_similarity"] for r in curve] == [-1.0, 0.35, 0.4]  # 0.5 refuses too many requests


def test_negatives_come_from_clinc_oos_train_and_off_shop_intents(tmp_path: Path) -> None:
    clinc = tmp_path / "nlu" / "clinc150"
    clinc.mkdir(parents=True)
    train = [[f"weather {i}", "weather"] for i in range(12)] + [["where is my order", "order_status"],
                                                                  ["my card was declined", "card_declined"]]
    (clinc / "data_oos_plus.json").write_text(json.dumps({"oos_train": [["how is glue made", "oos"]]}))
    (clinc / "data_full.json").write_text(json.dumps({"train": train}))
    (clinc / "domains.json").write_text(json.dumps({d: [] for d in calibrate.OFF_SHOP_DOMAINS}
                                                   | {"utility": ["weather"], "home": ["order_status"],
                                                      "credit_cards": ["card_declined"]}))
    assert calibrate.load_negatives(["clinc-oos-train"], tmp_path) == ["how is glue made"]
    offshop = calibrate.load_negatives(["clinc-train-offshop"], tmp_path)
    assert offshop == [f"weather {i}" for i in range(calibrate.PER_OFF_SHOP_INTENT)]  # no shop or payment intents
    with pytest.raises(ValueError):
        calibrate.load_negatives(["clinc-oos-val"], tmp_path)  # the measuring sets are not negatives
