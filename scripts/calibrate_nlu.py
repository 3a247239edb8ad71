#!/usr/bin/env python3
"""Choose the NLU's thresholds on the held-out validation set (never on the test set); print JSON.

    .venv-rasa/bin/python scripts/calibrate_nlu.py [--model models/shopdesk.tar.gz] [--max-refused 0.03]

Parses ``tests/nlu/natural_validation.yml`` once with a trained model, then replays the decisions of
``nlu.scope.ScopeGuard`` (``min_similarity``, ``margin``) and of Rasa's ``FallbackClassifier`` (``threshold``,
``ambiguity_threshold``) from what the guard records on each parse (the classifier's ranking and the
similarities). It reports every grid point and the one with the best accuracy among those that refuse at most
``--max-refused`` of the in-scope sentences and still decline at least ``--min-off-topic`` of the off-topic ones.
The chosen values are then written into ``config.yml`` by hand, with the run's numbers in the README.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
REFUSED = frozenset({"out_of_scope", "nlu_fallback", "other_language"})
GRID = {
    "min_similarity": (0.5, 0.55, 0.6, 0.65, 0.7, 2.0),  # 2.0: the guard never overrules
    "margin": (0.1, 0.13, 0.15, 0.17, 0.2, 0.25),
    "threshold": (0.2, 0.25, 0.3, 0.35, 0.4, 0.5),
    # Never 0: when the two best meanings are close, the shopper is always asked (the repair buttons).
    "ambiguity_threshold": (0.03, 0.05, 0.1),
}


def decide(parse: dict[str, Any], point: dict[str, float]) -> str:
    """The intent the pipeline would give with these settings, from one recorded parse."""
    if (parse.get("intent") or {}).get("name") == "other_language":
        return "other_language"
    scope = parse.get("scope") or {}
    ranking = [(str(name), float(conf)) for name, conf in scope.get("classifier_ranking") or []]
    if not ranking:
        return str((parse.get("intent") or {}).get("name"))
    if (ranking[0][0] == "out_of_scope" and scope["in_scope"] >= point["min_similarity"]
            and scope["in_scope"] - scope["off_topic"] >= point["margin"]):
        nearest = scope["nearest_intent"]
        ranking = [(nearest, scope["in_scope"])] + [r for r in ranking if r[0] not in (nearest, "out_of_scope")]
    top, confidence = ranking[0]
    second = ranking[1][1] if len(ranking) > 1 else 0.0
    if confidence < point["threshold"] or confidence - second < point["ambiguity_threshold"]:
        return "nlu_fallback"
    return top


def score(parses: Sequence[dict[str, Any]], gold: Sequence[str], point: dict[str, float]) -> dict[str, float]:
    """Accuracy, in-scope refused and off-topic declined for one grid point."""
    predicted = [decide(p, point) for p in parses]
    right = sum(1 for g, p in zip(gold, predicted, strict=True) if g == ("out_of_scope" if p in REFUSED else p)
                or (g == p))
    in_scope = [p for g, p in zip(gold, predicted, strict=True) if g != "out_of_scope"]
    off_topic = [p for g, p in zip(gold, predicted, strict=True) if g == "out_of_scope"]
    return {"accuracy": round(right / len(gold), 4),
            "in_scope_refused": round(sum(p in REFUSED for p in in_scope) / max(1, len(in_scope)), 4),
            "off_topic_declined": round(sum(p in REFUSED for p in off_topic) / max(1, len(off_topic)), 4)}


async def parse_all(model: Path, texts: Sequence[str]) -> list[dict[str, Any]]:
    """Parse every text with the model."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=REPO / "models" / "shopdesk.tar.gz")
    parser.add_argument("--validation", type=Path, default=REPO / "tests" / "nlu" / "natural_validation.yml")
    parser.add_argument("--max-refused", type=float, default=0.03)
    parser.add_argument("--min-off-topic", type=float, default=0.93)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    from rasa.shared.nlu.training_data.loading import load_data

    examples = [(str(m.get("text")), str(m.get("intent"))) for m in load_data(str(args.validation)).intent_examples]
    with contextlib.redirect_stdout(sys.stderr):
        parses = asyncio.run(parse_all(args.model, [t for t, _g in examples]))
    gold = [g for _t, g in examples]
    rows = []
    for values in itertools.product(*GRID.values()):
        point = dict(zip(GRID, values, strict=True))
        rows.append({**point, **score(parses, gold, point)})
    allowed = [r for r in rows if r["in_scope_refused"] <= args.max_refused
               and r["off_topic_declined"] >= args.min_off_topic]

    def key(r: dict[str, float]) -> tuple[float, ...]:
        return (r["accuracy"], -r["in_scope_refused"], r["threshold"], r["min_similarity"], r["margin"])

    best = max(allowed or rows, key=key)
    never = max((r for r in rows if r["min_similarity"] > 1), key=key)
    print(json.dumps({"validation": str(args.validation), "n": len(gold), "chosen": best,
                      "best_without_scope_guard": never, "met_constraints": bool(allowed), "grid": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
