#!/usr/bin/env python3
"""Train the Shopdesk NLU model and evaluate it on in-scope and out-of-scope benchmarks.

Run with the Rasa environment::

    .venv-rasa/bin/python scripts/eval_nlu.py [--out results.json] [--shared ../shared/data]

Steps:

1. Train an NLU-only model with the repo's ``config.yml`` on ``data/nlu/*.yml`` into a temporary directory
   (or load an existing model with ``--model``).
2. Parse the natural test set (``tests/nlu/natural_test.yml``: sentences written by people, never trained on),
   the other-language set (``tests/nlu/other_languages.yml``), the held-out Bitext split
   (``tests/nlu/bitext_validation.yml``), CLINC150 ``oos_val`` and ``val`` (read at run time from the shared data
   folder; CLINC150 is never copied into the repo; its ``test`` / ``oos_test`` keys are withheld there).
3. Baseline in the same run: the sparse-only pipeline Shopdesk had before the sentence encoder
   (``scripts/nlu_baseline_config.yml``), trained on the same data and scored on the natural and Bitext sets.
4. BANKING77: the same NLU pipeline trained on its 10,003 training queries and scored on its 3,080 test queries.
5. The whole bot: ``rasa train`` (NLU and dialogue) from scratch, timed (the floor is 8 minutes on 2 cores).
6. Print one JSON document with accuracy, macro-F1, refusal rates, training times and parse latency.

A prediction counts as refused when the intent is ``out_of_scope``, ``nlu_fallback`` or ``other_language``.
``--skip baseline banking77 full_bot`` leaves parts out.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OOS_LABEL = "out_of_scope"
OOS_PREDICTIONS = frozenset({OOS_LABEL, "nlu_fallback", "other_language"})
OTHER_LANGUAGE = "other_language"
SECTIONS = ("baseline", "banking77", "full_bot")
# CLINC150 intents that are in scope for Shopdesk, and the Shopdesk intent each must be mapped to.
CLINC_TO_SHOPDESK = {
    "greeting": "greet",
    "goodbye": "goodbye",
    "thank_you": "thank",
    "are_you_a_bot": "bot_challenge",
    "yes": "affirm",
    "no": "deny",
}

Example = tuple[str, str]  # (text, gold label)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description="Train and evaluate the Shopdesk NLU model.")
    parser.add_argument("--config", type=Path, default=REPO / "config.yml", help="Rasa config (pipeline is used)")
    parser.add_argument("--nlu", type=Path, default=REPO / "data" / "nlu", help="NLU training data file or folder")
    parser.add_argument(
        "--validation", type=Path, default=REPO / "tests" / "nlu" / "bitext_validation.yml", help="held-out Bitext"
    )
    parser.add_argument("--natural", type=Path, default=REPO / "tests" / "nlu" / "natural_test.yml",
                        help="held-out natural test set")
    parser.add_argument("--languages", type=Path, default=REPO / "tests" / "nlu" / "other_languages.yml",
                        help="other-language and tricky-English messages")
    parser.add_argument("--baseline-config", type=Path, default=REPO / "scripts" / "nlu_baseline_config.yml",
                        help="pipeline measured as the baseline in the same run")
    parser.add_argument("--skip", nargs="*", default=[], choices=SECTIONS, help="parts to leave out")
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data", help="shared data folder")
    parser.add_argument("--model", type=Path, default=None, help="evaluate this trained model instead of training")
    parser.add_argument("--keep-model", type=Path, default=None, help="copy the trained model into this folder")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON results to this file")
    parser.add_argument("--errors", type=int, default=0, help="include up to N misclassified examples per set")
    return parser.parse_args(argv)


def progress(items: Sequence[Example], desc: str) -> Iterable[Example]:
    """Wrap ``items`` in a tqdm progress bar on stderr, or print plain progress lines if tqdm is missing."""
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm ships with rasa, but stay usable without it
        return _plain_progress(items, desc)
    bar: Iterable[Example] = tqdm(items, desc=desc, file=sys.stderr, mininterval=2.0)
    return bar


def _plain_progress(items: Sequence[Example], desc: str) -> Iterable[Example]:
    """Yield ``items`` and print a progress line to stderr every 10 %."""
    step = max(1, len(items) // 10)
    for index, item in enumerate(items, start=1):
        if index % step == 0 or index == len(items):
            print(f"{desc}: {index}/{len(items)}", file=sys.stderr)
        yield item


def load_rasa_examples(path: Path) -> list[Example]:
    """Read ``(text, intent)`` pairs from Rasa NLU YAML with Rasa's own reader."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(str(m.get("text")), str(m.get("intent"))) for m in data.intent_examples]


def load_clinc(shared: Path) -> dict[str, list[Example]]:
    """Read CLINC150 ``val`` and ``oos_val`` (``[text, intent]`` lists) from ``<shared>/nlu/clinc150``."""
    path = shared / "nlu" / "clinc150" / "data_full.json"
    with path.open(encoding="utf-8") as handle:
        data = json.load(handle)
    return {key: [(str(text), str(intent)) for text, intent in data[key]] for key in ("val", "oos_val")}


def train_model(config: Path, nlu: Path, output: Path) -> tuple[Path, float]:
    """Train an NLU-only model into ``output``; return the model archive path and the wall-clock seconds."""
    from rasa.model_training import train_nlu

    start = time.perf_counter()
    model = train_nlu(config=str(config), nlu_data=str(nlu), output=str(output), fixed_model_name="nlu-eval")
    seconds = time.perf_counter() - start
    if not model:
        raise RuntimeError("rasa train_nlu did not produce a model")
    return Path(model), seconds


async def parse_all(agent: Any, examples: Sequence[Example], desc: str) -> tuple[list[str], list[float]]:
    """Parse every text with ``agent``; return predicted intent names and per-message latencies in seconds."""
    predictions: list[str] = []
    latencies: list[float] = []
    for text, _gold in progress(examples, desc):
        start = time.perf_counter()
        result = await agent.parse_message(text)
        latencies.append(time.perf_counter() - start)
        predictions.append(str((result.get("intent") or {}).get("name")))
    return predictions, latencies


def is_oos(label: str) -> bool:
    """True if a predicted label means "not understood / off-topic"."""
    return label in OOS_PREDICTIONS


def normalise_prediction(label: str) -> str:
    """Map ``nlu_fallback`` onto ``out_of_scope`` so both count as the same outcome."""
    return OOS_LABEL if is_oos(label) else label


def macro_f1(gold: Sequence[str], predicted: Sequence[str], labels: Iterable[str]) -> tuple[float, dict[str, float]]:
    """Macro-averaged F1 over ``labels``; predictions outside ``labels`` (e.g. out-of-scope) count as misses."""
    per_label: dict[str, float] = {}
    for label in labels:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p != label)
        per_label[label] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return (statistics.fmean(per_label.values()) if per_label else 0.0), per_label


def rate(flags: Iterable[bool]) -> float:
    """Share of true values (0.0 for an empty input)."""
    values = list(flags)
    return sum(values) / len(values) if values else 0.0


def errors(
    examples: Sequence[Example], predicted: Sequence[str], expected: Sequence[str], limit: int
) -> list[dict[str, str]]:
    """Up to ``limit`` examples whose prediction differs from the expected label."""
    wrong = [
        {"text": text, "expected": want, "predicted": got}
        for (text, _gold), want, got in zip(examples, expected, predicted, strict=True)
        if want != got
    ]
    return wrong[:limit]


def evaluate_bitext(examples: Sequence[Example], raw: Sequence[str], limit: int) -> dict[str, Any]:
    """Accuracy, macro-F1, false out-of-scope rate and main confusions on the held-out Bitext split."""
    gold = [intent for _text, intent in examples]
    predicted = [normalise_prediction(p) for p in raw]
    f1, per_label = macro_f1(gold, predicted, sorted(set(gold)))
    confusions = Counter((g, p) for g, p in zip(gold, predicted, strict=True) if g != p)
    result: dict[str, Any] = {
        "n": len(examples),
        "accuracy": rate(g == p for g, p in zip(gold, predicted, strict=True)),
        "macro_f1": f1,
        "false_out_of_scope_rate": rate(is_oos(p) for p in raw),
        "fallback_rate": rate(p == "nlu_fallback" for p in raw),
        "worst_f1": dict(sorted(per_label.items(), key=lambda item: item[1])[:5]),
        "top_confusions": [f"{g} -> {p}: {n}" for (g, p), n in confusions.most_common(10)],
    }
    if limit:
        result["errors"] = errors(examples, predicted, gold, limit)
    return result


def evaluate_clinc_oos(examples: Sequence[Example], raw: Sequence[str], limit: int) -> dict[str, Any]:
    """Out-of-scope recall on CLINC150 ``oos_val`` and which in-scope intents the misses went to."""
    leaks = Counter(p for p in raw if not is_oos(p))
    result: dict[str, Any] = {
        "n": len(examples),
        "oos_recall": rate(is_oos(p) for p in raw),
        "via_out_of_scope_intent": rate(p == OOS_LABEL for p in raw),
        "via_nlu_fallback": rate(p == "nlu_fallback" for p in raw),
        "missed_as": dict(leaks.most_common(10)),
    }
    if limit:
        result["errors"] = errors(examples, [normalise_prediction(p) for p in raw], [OOS_LABEL] * len(raw), limit)
    return result


def evaluate_clinc_val(
    examples: Sequence[Example], raw: Sequence[str], limit: int, seen: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """CLINC150 in-scope ``val``: mapped small-talk intents must hit ours; every other intent is off-topic for us.

    ``seen`` holds lower-cased training texts; mapped examples found there are also scored separately.
    """
    unseen = [
        (i, ours)
        for i, ours in ((i, CLINC_TO_SHOPDESK[g]) for i, (_t, g) in enumerate(examples) if g in CLINC_TO_SHOPDESK)
        if examples[i][0].strip().lower() not in seen
    ]
    mapped = [(i, CLINC_TO_SHOPDESK[g]) for i, (_t, g) in enumerate(examples) if g in CLINC_TO_SHOPDESK]
    other = [i for i, (_t, g) in enumerate(examples) if g not in CLINC_TO_SHOPDESK]
    per_mapped = {
        clinc: rate(raw[i] == ours for i, ours in mapped if examples[i][1] == clinc)
        for clinc, ours in CLINC_TO_SHOPDESK.items()
    }
    other_oos = Counter(examples[i][1] for i in other if is_oos(raw[i]))
    other_total = Counter(examples[i][1] for i in other)
    per_other = {intent: other_oos[intent] / total for intent, total in other_total.items()}
    result: dict[str, Any] = {
        "n": len(examples),
        "share_predicted_out_of_scope": rate(is_oos(p) for p in raw),
        "mapped_intents": {
            "n": len(mapped),
            "accuracy": rate(raw[i] == ours for i, ours in mapped),
            "share_predicted_out_of_scope": rate(is_oos(raw[i]) for i, _ours in mapped),
            "accuracy_per_intent": per_mapped,
            "n_not_in_training": len(unseen),
            "accuracy_not_in_training": rate(raw[i] == ours for i, ours in unseen),
        },
        "other_intents": {
            "n": len(other),
            "share_predicted_out_of_scope": rate(is_oos(raw[i]) for i in other),
            "lowest_out_of_scope_share": dict(sorted(per_other.items(), key=lambda item: item[1])[:10]),
            "missed_as": dict(Counter(raw[i] for i in other if not is_oos(raw[i])).most_common(10)),
        },
    }
    if limit:
        expected = [CLINC_TO_SHOPDESK.get(g, OOS_LABEL) for _t, g in examples]
        result["errors"] = errors(examples, [normalise_prediction(p) for p in raw], expected, limit)
    return result


def training_texts(train_path: Path) -> frozenset[str]:
    """Lower-cased, stripped texts of every training example."""
    return frozenset(text.strip().lower() for text, _intent in load_rasa_examples(train_path))


def training_overlap(train_texts: frozenset[str], sets: dict[str, Sequence[Example]]) -> dict[str, int]:
    """Count evaluation texts that also occur verbatim (case-insensitive) in the training data."""
    return {
        name: sum(1 for text, _g in examples if text.strip().lower() in train_texts) for name, examples in sets.items()
    }


def latency_summary(latencies: Sequence[float]) -> dict[str, float]:
    """p50 / p95 / mean parse latency in milliseconds."""
    if not latencies:
        return {}
    ordered = sorted(latencies)

    def pick(quantile: float) -> float:
        """Nearest-rank quantile of the sorted latencies."""
        return ordered[min(len(ordered) - 1, int(quantile * len(ordered)))]

    return {
        "n": float(len(ordered)),
        "p50_ms": round(pick(0.50) * 1000, 2),
        "p95_ms": round(pick(0.95) * 1000, 2),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
    }


def evaluate_natural(examples: Sequence[Example], raw: Sequence[str], limit: int,
                     seen: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Sentences written by people, in-scope intents and off-topic ones together.

    Accuracy counts a refusal as right only for off-topic sentences; ``in_scope_refused`` is the share of in-scope
    sentences answered with out-of-scope, the fallback or the other-language reply. Short sentences written
    independently can still match a training sentence word for word ("cancel my order"); the scores on the
    sentences that do not (``not_in_training``) are reported too.
    """
    gold = [intent for _text, intent in examples]
    predicted = [normalise_prediction(p) for p in raw]
    labels = sorted(set(gold))
    f1, per_label = macro_f1(gold, predicted, labels)
    in_scope = [i for i, g in enumerate(gold) if g != OOS_LABEL]
    off_topic = [i for i, g in enumerate(gold) if g == OOS_LABEL]
    confusions = Counter((g, p) for g, p in zip(gold, predicted, strict=True) if g != p)
    result: dict[str, Any] = {
        "n": len(examples),
        "n_intents": len(labels),
        "accuracy": rate(g == p for g, p in zip(gold, predicted, strict=True)),
        "macro_f1": f1,
        "in_scope_n": len(in_scope),
        "in_scope_accuracy": rate(gold[i] == predicted[i] for i in in_scope),
        "in_scope_refused": rate(is_oos(raw[i]) for i in in_scope),
        "in_scope_refused_via": dict(Counter(raw[i] for i in in_scope if is_oos(raw[i]))),
        "off_topic_n": len(off_topic),
        "off_topic_refused": rate(is_oos(raw[i]) for i in off_topic),
        "worst_f1": {k: round(v, 3) for k, v in sorted(per_label.items(), key=lambda item: item[1])[:8]},
        "top_confusions": [f"{g} -> {p}: {n}" for (g, p), n in confusions.most_common(12)],
    }
    unseen = [i for i, (text, _g) in enumerate(examples) if text.strip().lower() not in seen]
    unseen_in_scope = [i for i in unseen if gold[i] != OOS_LABEL]
    result["not_in_training"] = {
        "n": len(unseen),
        "accuracy": rate(gold[i] == predicted[i] for i in unseen),
        "in_scope_refused": rate(is_oos(raw[i]) for i in unseen_in_scope),
    }
    if limit:
        result["errors"] = errors(examples, predicted, gold, limit)
    return result


def evaluate_languages(examples: Sequence[Example], raw: Sequence[str], limit: int) -> dict[str, Any]:
    """Other-language messages must get ``other_language``; the tricky English ones (label ``english``) must not."""
    foreign = [i for i, (_t, g) in enumerate(examples) if g == OTHER_LANGUAGE]
    english = [i for i, (_t, g) in enumerate(examples) if g != OTHER_LANGUAGE]
    result: dict[str, Any] = {
        "other_language_n": len(foreign),
        "other_language_detected": rate(raw[i] == OTHER_LANGUAGE for i in foreign),
        "english_n": len(english),
        "english_taken_for_other_language": rate(raw[i] == OTHER_LANGUAGE for i in english),
    }
    if limit:
        expected = [OTHER_LANGUAGE if g == OTHER_LANGUAGE else "not other_language" for _t, g in examples]
        shown = [p if p == OTHER_LANGUAGE else "not other_language" for p in raw]
        result["errors"] = errors(examples, shown, expected, limit)
    return result


def load_banking77(shared: Path) -> dict[str, list[Example]]:
    """BANKING77 ``train`` and ``test`` (``text,category`` CSV) from ``<shared>/nlu/banking77``."""
    import csv

    out: dict[str, list[Example]] = {}
    for split in ("train", "test"):
        with (shared / "nlu" / "banking77" / f"{split}.csv").open(encoding="utf-8", newline="") as handle:
            out[split] = [(row["text"].strip(), row["category"]) for row in csv.DictReader(handle)]
    return out


def write_json_training_data(examples: Sequence[Example], path: Path) -> Path:
    """Rasa's JSON training-data format: texts are taken literally (no ``[entity](type)`` markup parsing)."""
    common = [{"text": text, "intent": intent, "entities": []} for text, intent in examples]
    path.write_text(json.dumps({"rasa_nlu_data": {"common_examples": common}}), encoding="utf-8")
    return path


def nlu_only_config(config: Path, out: Path) -> Path:
    """``config`` with the dialogue policies removed (what ``rasa train nlu`` uses of it)."""
    import yaml

    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data.pop("policies", None)
    out.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return out


async def parse_top(agent: Any, examples: Sequence[Example], desc: str) -> tuple[list[str], list[str]]:
    """Predicted intents, and the best intent of the ranking whatever the fallback said."""
    predicted: list[str] = []
    top: list[str] = []
    for text, _gold in progress(examples, desc):
        result = await agent.parse_message(text)
        predicted.append(str((result.get("intent") or {}).get("name")))
        ranking = [r for r in result.get("intent_ranking") or [] if r.get("name") not in OOS_PREDICTIONS]
        top.append(str(ranking[0]["name"]) if ranking else predicted[-1])
    return predicted, top


async def run_banking77(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Train the project's NLU pipeline on BANKING77 train and score it on BANKING77 test."""
    from rasa.core.agent import Agent

    data = load_banking77(args.shared)
    folder = tmp / "banking77"
    folder.mkdir()
    train_file = write_json_training_data(data["train"], folder / "train.json")
    config = nlu_only_config(args.config, folder / "config.yml")
    model_path, seconds = train_model(config, train_file, folder)
    agent = Agent.load(str(model_path))
    predicted, top = await parse_top(agent, data["test"], "banking77 test")
    gold = [intent for _text, intent in data["test"]]
    f1, _per = macro_f1(gold, predicted, sorted(set(gold)))
    return {
        "n_train": len(data["train"]),
        "n_test": len(data["test"]),
        "training_seconds": round(seconds, 1),
        "accuracy": rate(g == p for g, p in zip(gold, predicted, strict=True)),
        "macro_f1": f1,
        "refused": rate(is_oos(p) for p in predicted),
        "accuracy_top_intent_ignoring_fallback": rate(g == p for g, p in zip(gold, top, strict=True)),
        "published": {"BERT-tuned": 0.9366, "USE+ConveRT": 0.9336, "source": "Casanueva et al. 2020, Table 3"},
    }


async def run_baseline(args: argparse.Namespace, tmp: Path, sets: Mapping[str, Sequence[Example]]) -> dict[str, Any]:
    """The sparse-only pipeline (no sentence encoder) on the same training data and the same test sets."""
    from rasa.core.agent import Agent

    folder = tmp / "baseline"
    folder.mkdir()
    model_path, seconds = train_model(args.baseline_config, args.nlu, folder)
    agent = Agent.load(str(model_path))
    natural_raw, _lat = await parse_all(agent, sets["natural"], "baseline natural")
    bitext_raw, _lat = await parse_all(agent, sets["bitext"], "baseline bitext")
    oos_raw, _lat = await parse_all(agent, sets["oos_val"], "baseline clinc oos_val")
    natural = evaluate_natural(sets["natural"], natural_raw, 0)
    bitext = evaluate_bitext(sets["bitext"], bitext_raw, 0)
    return {
        "config": str(args.baseline_config),
        "training_seconds": round(seconds, 1),
        "natural_test": {k: natural[k] for k in ("accuracy", "macro_f1", "in_scope_refused", "off_topic_refused")},
        "bitext_validation": {k: bitext[k] for k in ("accuracy", "macro_f1", "false_out_of_scope_rate")},
        "clinc_oos_val_refused": rate(is_oos(p) for p in oos_raw),
    }


def time_full_training(tmp: Path) -> dict[str, Any]:
    """``rasa train`` of the whole bot (NLU and dialogue policies) with an empty cache, as ``make train`` runs it."""
    import subprocess

    out = tmp / "full_bot"
    env = {**os.environ, "RASA_CACHE_DIRECTORY": str(tmp / "full-bot-cache"), "RASA_TELEMETRY_ENABLED": "false"}
    rasa = Path(sys.executable).parent / "rasa"
    start = time.perf_counter()
    result = subprocess.run([str(rasa), "train", "--fixed-model-name", "full", "--out", str(out), "--num-threads", "2"],
                            cwd=REPO, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 1), "ok": result.returncode == 0,
            **({} if result.returncode == 0 else {"error": result.stderr[-2000:]})}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Train (or load) the model, parse every evaluation set and collect the metrics."""
    from rasa.core.agent import Agent

    validation = load_rasa_examples(args.validation)
    natural = load_rasa_examples(args.natural)
    languages = load_rasa_examples(args.languages)
    seen = training_texts(args.nlu)
    clinc = load_clinc(args.shared)
    results: dict[str, Any] = {"config": str(args.config), "nlu": str(args.nlu)}
    with tempfile.TemporaryDirectory(prefix="shopdesk-nlu-") as tmp:
        # A fresh Rasa cache, so a cache hit from an earlier run cannot make the training time look short.
        os.environ["RASA_CACHE_DIRECTORY"] = str(Path(tmp) / "cache")
        if args.model:
            model_path, train_seconds = args.model, None
        else:
            model_path, train_seconds = train_model(args.config, args.nlu, Path(tmp))
            if args.keep_model:
                args.keep_model.mkdir(parents=True, exist_ok=True)
                (args.keep_model / model_path.name).write_bytes(model_path.read_bytes())
        results["training_seconds"] = None if train_seconds is None else round(train_seconds, 1)
        agent = Agent.load(str(model_path))
        natural_raw, lat_natural = await parse_all(agent, natural, "natural test")
        language_raw, _lat = await parse_all(agent, languages, "other languages")
        bitext_raw, lat_bitext = await parse_all(agent, validation, "bitext validation")
        oos_raw, lat_oos = await parse_all(agent, clinc["oos_val"], "clinc oos_val")
        val_raw, lat_val = await parse_all(agent, clinc["val"], "clinc val")
        results["natural_test"] = evaluate_natural(natural, natural_raw, args.errors, seen)
        results["other_languages"] = evaluate_languages(languages, language_raw, args.errors)
        results["bitext_validation"] = evaluate_bitext(validation, bitext_raw, args.errors)
        results["clinc_oos_val"] = evaluate_clinc_oos(clinc["oos_val"], oos_raw, args.errors)
        results["clinc_val"] = evaluate_clinc_val(clinc["val"], val_raw, args.errors, seen)
        results["overlap_with_training"] = training_overlap(
            seen, {**clinc, "bitext_validation": validation, "natural_test": natural, "other_languages": languages})
        results["parse_latency"] = latency_summary(lat_natural + lat_bitext + lat_oos + lat_val)
        if "baseline" not in args.skip:
            sets = {"natural": natural, "bitext": validation, "oos_val": clinc["oos_val"]}
            results["baseline"] = await run_baseline(args, Path(tmp), sets)
        if "banking77" not in args.skip:
            results["banking77"] = await run_banking77(args, Path(tmp))
        if "full_bot" not in args.skip:
            results["full_bot_training"] = time_full_training(Path(tmp))
    return results


def quiet_rasa_logs() -> None:
    """Send Rasa's structlog output (debug lines per parsed message) to stderr, warnings and above only."""
    import structlog

    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run the evaluation and print (and optionally write) the JSON results."""
    args = parse_args(argv)
    if str(REPO) not in sys.path:  # config.yml names the project's own components (nlu.*), as `rasa` finds them
        sys.path.insert(0, str(REPO))
    quiet_rasa_logs()
    with contextlib.redirect_stdout(sys.stderr):  # stdout carries only the JSON document
        results = asyncio.run(run(args))
    text = json.dumps(results, indent=2, sort_keys=False)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
