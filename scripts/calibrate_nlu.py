#!/usr/bin/env python3
"""Choose the NLU's thresholds on the held-out validation set (never on the test set); print JSON.

    .venv-rasa/bin/python scripts/calibrate_nlu.py [--model models/shopdesk.tar.gz] [--max-refused 0.03] \
        [--negatives clinc-oos-train] [--min-negatives-declined 0.92] [--save-parses F | --load-parses F]

Parses ``tests/nlu/natural_validation.yml`` and the negatives (off-topic questions from outside the project, never
trained on: ``clinc-oos-train`` = the 250 CLINC150 ``oos_train`` queries of ``data_oos_plus.json``;
``clinc-train-offshop`` = CLINC150 ``train`` queries of intents no shop assistant serves, see ``OFF_SHOP``) once
with a trained model, then replays the decisions of ``nlu.scope.ScopeGuard`` (``min_similarity``, ``margin``,
and its floor ``min_in_scope_similarity``, ``floor_max_confidence``) and of Rasa's ``FallbackClassifier``
(``threshold``, ``ambiguity_threshold``) from what the guard records on each parse (the classifier's ranking and
the similarities). The chosen point has the best validation accuracy among those that refuse at most
``--max-refused`` of the validation set's in-scope sentences, still decline at least ``--min-off-topic`` of its
off-topic ones and at least ``--min-negatives-declined`` of the negatives. It prints that point, the best one
without the floor, and the trade-off curve (the best point for every floor setting); ``--grid-out`` writes every
grid point. CLINC150 ``val`` / ``oos_val``, the natural test set and the Bitext split are never read here: they
measure the result (``scripts/eval_nlu.py``). The chosen values are then written into ``config.yml`` by hand,
with the run's numbers in the README.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
OUT_OF_SCOPE = "out_of_scope"
REFUSED = frozenset({OUT_OF_SCOPE, "nlu_fallback", "other_language"})
GRID = {
    "min_similarity": (0.5, 0.55, 0.6, 0.65, 0.7, 2.0),  # 2.0: the guard never overrules
    "margin": (0.1, 0.13, 0.15, 0.17, 0.2, 0.25),
    "threshold": (0.2, 0.25, 0.3, 0.35, 0.4, 0.5),
    # Never 0: when the two best meanings are close, the shopper is always asked (the repair buttons).
    "ambiguity_threshold": (0.03, 0.05, 0.1),
    # -1.0: the floor never refuses (a cosine similarity is never below -1).
    "min_in_scope_similarity": (-1.0, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55),
    # 1.01: the floor applies however sure the classifier is.
    "floor_max_confidence": (0.6, 0.8, 0.9, 0.95, 0.99, 1.01),
}
FLOOR_OFF = {"min_in_scope_similarity": -1.0, "floor_max_confidence": 1.0}
# CLINC150 domains and intents a shop assistant never serves. Left out as negatives: banking and credit cards
# (a declined card or a charge is a shop's payment_issue), meta (yes, no, cancel, repeat: our conversation glue),
# the shopping intents of "home" and the small talk our bot answers (greetings, thanks, "are you a bot").
OFF_SHOP_DOMAINS = ("travel", "utility", "auto_and_commute", "kitchen_and_dining", "work", "home", "small_talk")
NOT_OFF_SHOP = frozenset({"order", "order_status", "shopping_list", "shopping_list_update", "greeting", "goodbye",
                          "thank_you", "are_you_a_bot", "what_can_i_ask_you", "who_do_you_work_for",
                          "what_is_your_name", "who_made_you"})
PER_OFF_SHOP_INTENT = 10
NEGATIVES = ("clinc-oos-train", "clinc-train-offshop")


def decide(parse: dict[str, Any], point: dict[str, float]) -> str:
    """The intent the pipeline would give with these settings, from one recorded parse."""
    if (parse.get("intent") or {}).get("name") == "other_language":
        return "other_language"
    scope = parse.get("scope") or {}
    ranking = [(str(name), float(conf)) for name, conf in scope.get("classifier_ranking") or []]
    if not ranking:
        return str((parse.get("intent") or {}).get("name"))
    floor = point.get("min_in_scope_similarity", FLOOR_OFF["min_in_scope_similarity"])
    floor_max = point.get("floor_max_confidence", FLOOR_OFF["floor_max_confidence"])
    if (ranking[0][0] == OUT_OF_SCOPE and scope["in_scope"] >= point["min_similarity"]
            and scope["in_scope"] - scope["off_topic"] >= point["margin"]):
        nearest = scope["nearest_intent"]
        ranking = [(nearest, scope["in_scope"])] + [r for r in ranking if r[0] not in (nearest, OUT_OF_SCOPE)]
    elif ranking[0][0] != OUT_OF_SCOPE and scope["in_scope"] < floor and ranking[0][1] < floor_max:
        refused = round(min(1.0, max(0.0, 1.0 - scope["in_scope"])), 4)
        ranking = [(OUT_OF_SCOPE, refused)] + [r for r in ranking if r[0] != OUT_OF_SCOPE]
    top, confidence = ranking[0]
    second = ranking[1][1] if len(ranking) > 1 else 0.0
    if confidence < point["threshold"] or confidence - second < point["ambiguity_threshold"]:
        return "nlu_fallback"
    return top


def score(parses: Sequence[dict[str, Any]], gold: Sequence[str], point: dict[str, float]) -> dict[str, float]:
    """Accuracy, in-scope refused and off-topic declined for one grid point."""
    predicted = [decide(p, point) for p in parses]
    right = sum(1 for g, p in zip(gold, predicted, strict=True) if g == (OUT_OF_SCOPE if p in REFUSED else p)
                or (g == p))
    in_scope = [p for g, p in zip(gold, predicted, strict=True) if g != OUT_OF_SCOPE]
    off_topic = [p for g, p in zip(gold, predicted, strict=True) if g == OUT_OF_SCOPE]
    return {"accuracy": round(right / len(gold), 4),
            "in_scope_refused": round(sum(p in REFUSED for p in in_scope) / max(1, len(in_scope)), 4),
            "off_topic_declined": round(sum(p in REFUSED for p in off_topic) / max(1, len(off_topic)), 4)}


@dataclass
class Table:
    """The recorded parses as arrays, so a grid point is replayed over all of them at once (same rules as
    ``decide``; intent names are codes into ``names``)."""

    names: list[str]
    intent: np.ndarray  # the pipeline's intent (used where the guard recorded no ranking)
    other_language: np.ndarray
    has_ranking: np.ndarray
    top: np.ndarray
    top_confidence: np.ndarray
    second_confidence: np.ndarray
    in_scope: np.ndarray
    off_topic: np.ndarray
    nearest: np.ndarray
    rescued_second: np.ndarray  # second confidence once the guard has put the nearest intent first

    @classmethod
    def build(cls, parses: Sequence[dict[str, Any]]) -> Table:
        names = [OUT_OF_SCOPE, "nlu_fallback", "other_language"]
        codes: dict[str, int] = {name: i for i, name in enumerate(names)}

        def code(name: object) -> int:
            if str(name) not in codes:
                codes[str(name)] = len(names)
                names.append(str(name))
            return codes[str(name)]

        columns: dict[str, list[Any]] = {key: [] for key in (
            "intent", "other_language", "has_ranking", "top", "top_confidence", "second_confidence", "in_scope",
            "off_topic", "nearest", "rescued_second")}
        for parse in parses:
            scope = parse.get("scope") or {}
            ranking = [(str(name), float(conf)) for name, conf in scope.get("classifier_ranking") or []]
            nearest = str(scope.get("nearest_intent"))
            rest = [c for n, c in ranking if n not in (nearest, OUT_OF_SCOPE)]
            row = {"intent": code((parse.get("intent") or {}).get("name")),
                   "other_language": (parse.get("intent") or {}).get("name") == "other_language",
                   "has_ranking": bool(ranking), "top": code(ranking[0][0] if ranking else OUT_OF_SCOPE),
                   "top_confidence": ranking[0][1] if ranking else 0.0,
                   "second_confidence": ranking[1][1] if len(ranking) > 1 else 0.0,
                   "in_scope": float(scope.get("in_scope", 0.0)), "off_topic": float(scope.get("off_topic", 0.0)),
                   "nearest": code(nearest), "rescued_second": rest[0] if rest else 0.0}
            for key, value in row.items():
                columns[key].append(value)
        arrays = {key: np.asarray(values) for key, values in columns.items()}
        return cls(names=names, **arrays)

    def decide(self, point: dict[str, float]) -> np.ndarray:
        """Codes of the intents the pipeline would give with these settings (``decide`` for every parse)."""
        floor = point.get("min_in_scope_similarity", FLOOR_OFF["min_in_scope_similarity"])
        floor_max = point.get("floor_max_confidence", FLOOR_OFF["floor_max_confidence"])
        off_top = self.top == 0
        rescued = (off_top & (self.in_scope >= point["min_similarity"])
                   & (self.in_scope - self.off_topic >= point["margin"]))
        floored = ~off_top & (self.in_scope < floor) & (self.top_confidence < floor_max)
        top = np.where(rescued, self.nearest, np.where(floored, 0, self.top))
        refused_confidence = np.round(np.clip(1.0 - self.in_scope, 0.0, 1.0), 4)
        confidence = np.where(rescued, self.in_scope, np.where(floored, refused_confidence, self.top_confidence))
        second = np.where(rescued, self.rescued_second, np.where(floored, self.top_confidence,
                                                                  self.second_confidence))
        fallback = (confidence < point["threshold"]) | (confidence - second < point["ambiguity_threshold"])
        top = np.where(fallback, 1, top)
        return np.where(self.other_language, 2, np.where(self.has_ranking, top, self.intent))


def gold_codes(table: Table, gold: Sequence[str]) -> np.ndarray:
    """The gold intents as the table's codes (-1 for an intent the model never predicted)."""
    codes = {name: i for i, name in enumerate(table.names)}
    return np.asarray([codes.get(g, -1) for g in gold])


def score_table(table: Table, gold: Sequence[str] | np.ndarray, point: dict[str, float]) -> dict[str, float]:
    """``score`` over a ``Table``: the same three rates, from the array replay."""
    predicted = table.decide(point)
    refused = predicted <= 2
    wanted = gold if isinstance(gold, np.ndarray) else gold_codes(table, gold)
    off = wanted == 0
    right = (wanted == predicted) | (off & refused)
    return {"accuracy": round(float(right.mean()), 4),
            "in_scope_refused": round(float(refused[~off].mean()) if (~off).any() else 0.0, 4),
            "off_topic_declined": round(float(refused[off].mean()) if off.any() else 0.0, 4)}


def declined(table: Table, point: dict[str, float]) -> float:
    """Share of the negatives (all off-topic) the pipeline would refuse with these settings."""
    return round(float((table.decide(point) <= 2).mean()), 4) if len(table.top) else 0.0


def grid_rows(validation: Table, gold: Sequence[str], negatives: Table) -> list[dict[str, float]]:
    """Every grid point with its validation rates and the share of negatives declined."""
    rows = []
    wanted = gold_codes(validation, gold)
    for values in itertools.product(*GRID.values()):
        point = dict(zip(GRID, values, strict=True))
        rows.append({**point, **score_table(validation, wanted, point),
                     "negatives_declined": declined(negatives, point)})
    return rows


def choose(rows: Sequence[dict[str, float]], max_refused: float, min_off_topic: float,
           min_negatives: float) -> tuple[dict[str, float], dict[str, float], bool]:
    """The chosen point, the best point without the floor, and whether any point met every constraint.

    Best = highest validation accuracy, then fewest in-scope refused, then most negatives declined; among equals
    the higher fallback threshold and guard values, and the lower floor (it refuses least of what was not seen).
    """
    def key(r: dict[str, float]) -> tuple[float, ...]:
        return (r["accuracy"], -r["in_scope_refused"], r["negatives_declined"], r["threshold"], r["min_similarity"],
                r["margin"], -r["min_in_scope_similarity"], r["floor_max_confidence"])

    def fits(r: dict[str, float]) -> bool:
        return r["in_scope_refused"] <= max_refused and r["off_topic_declined"] >= min_off_topic

    allowed = [r for r in rows if fits(r) and r["negatives_declined"] >= min_negatives]
    no_floor = [r for r in rows if r["min_in_scope_similarity"] < 0]
    best_no_floor = max([r for r in no_floor if fits(r)] or no_floor, key=key)
    return max(allowed or rows, key=key), best_no_floor, bool(allowed)


def tradeoff(rows: Sequence[dict[str, float]], max_refused: float, min_off_topic: float) -> list[dict[str, float]]:
    """For every floor setting, the point with the best validation accuracy within the validation constraints
    (negatives declined not required): how much refusal of off-topic questions each floor buys, at what cost."""
    best: dict[tuple[float, float], dict[str, float]] = {}
    for r in rows:
        if r["in_scope_refused"] > max_refused or r["off_topic_declined"] < min_off_topic:
            continue
        at = (r["min_in_scope_similarity"], r["floor_max_confidence"])
        mine = (r["accuracy"], r["negatives_declined"], -r["in_scope_refused"])
        if at not in best or mine > (best[at]["accuracy"], best[at]["negatives_declined"],
                                     -best[at]["in_scope_refused"]):
            best[at] = r
    return [best[at] for at in sorted(best)]


def load_negatives(names: Sequence[str], shared: Path) -> list[str]:
    """Off-topic texts from outside the project's data: never trained on, and never the sets that measure."""
    texts: list[str] = []
    clinc = shared / "nlu" / "clinc150"
    for name in names:
        if name == "clinc-oos-train":
            data = json.loads((clinc / "data_oos_plus.json").read_text(encoding="utf-8"))
            texts += [str(text) for text, _intent in data["oos_train"]]
        elif name == "clinc-train-offshop":
            data = json.loads((clinc / "data_full.json").read_text(encoding="utf-8"))
            domains = json.loads((clinc / "domains.json").read_text(encoding="utf-8"))
            wanted = {i for d in OFF_SHOP_DOMAINS for i in domains[d]} - NOT_OFF_SHOP
            taken: dict[str, int] = {}
            for text, intent in data["train"]:
                if intent in wanted and taken.get(intent, 0) < PER_OFF_SHOP_INTENT:
                    taken[intent] = taken.get(intent, 0) + 1
                    texts.append(str(text))
        else:
            raise ValueError(f"unknown negatives {name!r}: one of {', '.join(NEGATIVES)}")
    return texts


async def parse_all(model: Path, texts: Sequence[str]) -> list[dict[str, Any]]:
    """Parse every text with the model."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=REPO / "models" / "shopdesk.tar.gz")
    parser.add_argument("--validation", type=Path, default=REPO / "tests" / "nlu" / "natural_validation.yml")
    parser.add_argument("--negatives", nargs="*", default=["clinc-oos-train"], choices=NEGATIVES,
                        help="off-topic sets the floor is calibrated on (none: the floor stays off)")
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data", help="shared data folder")
    parser.add_argument("--max-refused", type=float, default=0.03)
    parser.add_argument("--min-off-topic", type=float, default=0.93)
    parser.add_argument("--min-negatives-declined", type=float, default=0.92)
    parser.add_argument("--save-parses", type=Path, default=None, help="write the recorded parses to this file")
    parser.add_argument("--load-parses", type=Path, default=None, help="replay parses saved earlier (no model)")
    parser.add_argument("--grid-out", type=Path, default=None, help="write every grid point to this file")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))

    negative_texts = load_negatives(args.negatives, args.shared)
    if args.load_parses:
        saved = json.loads(args.load_parses.read_text(encoding="utf-8"))
        if saved["negatives"] != args.negatives:
            parser.error(f"{args.load_parses} holds the negatives {saved['negatives']}, not {args.negatives}")
        gold, parses, negative_parses = saved["gold"], saved["validation"], saved["negative_parses"]
    else:
        from rasa.shared.nlu.training_data.loading import load_data

        examples = [(str(m.get("text")), str(m.get("intent")))
                    for m in load_data(str(args.validation)).intent_examples]
        with contextlib.redirect_stdout(sys.stderr):
            everything = asyncio.run(parse_all(args.model, [t for t, _g in examples] + negative_texts))
        gold = [g for _t, g in examples]
        parses, negative_parses = everything[:len(examples)], everything[len(examples):]
        if args.save_parses:
            args.save_parses.write_text(json.dumps({"model": str(args.model), "negatives": args.negatives,
                                                    "gold": gold, "validation": parses,
                                                    "negative_parses": negative_parses}), encoding="utf-8")
    rows = grid_rows(Table.build(parses), gold, Table.build(negative_parses))
    if not negative_parses:  # nothing to calibrate the floor on: keep it off
        rows = [r for r in rows if r["min_in_scope_similarity"] < 0]
    best, no_floor, met = choose(rows, args.max_refused, args.min_off_topic, args.min_negatives_declined)
    never = max((r for r in rows if r["min_similarity"] > 1 and r["min_in_scope_similarity"] < 0),
                key=lambda r: (r["accuracy"], -r["in_scope_refused"], r["threshold"]))
    if args.grid_out:
        args.grid_out.write_text(json.dumps(rows), encoding="utf-8")
    print(json.dumps({"validation": str(args.validation), "n": len(gold), "negatives": args.negatives,
                      "n_negatives": len(negative_parses), "chosen": best, "best_without_floor": no_floor,
                      "best_without_scope_guard": never, "met_constraints": met,
                      "tradeoff": tradeoff(rows, args.max_refused, args.min_off_topic)}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
