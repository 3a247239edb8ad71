"""Recommendation benchmark: leave-one-out full ranking on Amazon Beauty and Sports (S3-Rec preprocessing),
our SASRec next to popularity and item-KNN computed in the same run and the published figures; then
recommendation, similar-items and search latency on the demo store. Prints JSON (and writes it with --out).

Protocol (../shared/data/recommendation/README.md): each user's last item is the test target, the
second-to-last the validation target (what SASRec's early stopping sees), the rest training history; the
target is ranked against all items, the user's own earlier items excluded (as in the S3-Rec evaluation).
The predictions come from the same code as ``python -m backoffice.recommend next-items``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backoffice.recommend.batch import next_items  # noqa: E402
from backoffice.recommend.sasrec import SASRecConfig  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "recommendation" / "amazon_s3rec"
PUBLISHED = {
    "Beauty": {"PopRec": (0.0152, 0.0068), "SASRec": (0.0605, 0.0318), "S3-Rec": (0.0647, 0.0327),
               "ICLRec": (0.0744, 0.0403)},
    "Sports_and_Outdoors": {"PopRec": (0.0094, 0.0053), "SASRec": (0.0350, 0.0192), "S3-Rec": (0.0385, 0.0204),
                            "ICLRec": (0.0437, 0.0238)},
}
FLOORS = {"Beauty": 0.0318, "Sports_and_Outdoors": 0.0192}
QUERIES = ["a gift for a tea lover under £15", "red mug", "christmas decorations", "set of 6 paper cups",
           "something for the garden under £10", "a candle holder between £2 and £5", "vintage bag in stock",
           "pink heart", "party supplies for kids", "a wooden clock", "jewellery for my mum", "blue napkins",
           "cake cases", "storage tins", "a lantern for the garden", "baking set", "notebook", "hot water bottle",
           "retro spot lunch box", "photo frame under £8"]


def metrics(predictions: dict[str, list[str]], targets: dict[str, str]) -> dict[str, float]:
    """HR@k and NDCG@k for k in 5, 10, 20 (one target per user; ranks come from the top-20 lists)."""
    out: dict[str, float] = {}
    for k in (5, 10, 20):
        hits, gains = 0, 0.0
        for user, target in targets.items():
            recs = predictions.get(user, [])[:k]
            if target in recs:
                hits += 1
                gains += 1.0 / math.log2(recs.index(target) + 2)
        out[f"HR@{k}"] = round(hits / len(targets), 4)
        out[f"NDCG@{k}"] = round(gains / len(targets), 4)
    return out


def bench_dataset(name: str, args: argparse.Namespace) -> dict[str, object]:
    lines = (args.data / f"{name}.txt").read_text().splitlines()
    seqs = {p[0]: p[1:] for p in (line.split() for line in lines) if len(p) >= 3}
    if args.users:
        keep = random.Random(0).sample(sorted(seqs), min(args.users, len(seqs)))
        seqs = {u: seqs[u] for u in keep}
    given = {u: s[:-1] for u, s in seqs.items()}
    targets = {u: s[-1] for u, s in seqs.items()}
    result: dict[str, object] = {"users": len(seqs), "items": len({i for s in seqs.values() for i in s})}
    for method in ("popular", "itemknn", "hybrid"):
        config = SASRecConfig(max_minutes=args.max_minutes, threads=args.threads)
        if args.epochs:
            config.epochs = args.epochs
        cpu = time.process_time()
        run = next_items(given, 20, method=method, config=config, progress=not args.quiet, with_parts=True)
        row: dict[str, object] = {**metrics(run.predictions, targets), "minutes": round(run.seconds / 60, 2),
                                  "cpu_minutes": round((time.process_time() - cpu) / 60, 2)}
        if run.history:
            epochs = [r for r in run.history if "epoch" in r]
            best = max(epochs, key=lambda r: r.get("val_ndcg10", 0.0))
            row.update(epochs=len(epochs), best_epoch=int(best["epoch"]), val_ndcg10=round(best["val_ndcg10"], 4),
                       **{k: round(v, 4) for r in run.history if "blend_weight" in r for k, v in r.items()})
        if "sasrec" in run.parts:
            result["sasrec"] = {**metrics(run.parts["sasrec"], targets), "note": "the hybrid's SASRec alone"}
            print(f"{name} sasrec: {result['sasrec']}", file=sys.stderr, flush=True)
        result[method] = row
        print(f"{name} {method}: {row}", file=sys.stderr, flush=True)
    sasrec = result["sasrec"]
    assert isinstance(sasrec, dict)
    result["published_full_ranking"] = {k: {"HR@10": v[0], "NDCG@10": v[1]} for k, v in PUBLISHED[name].items()}
    result["floor_ndcg10"] = FLOORS[name]
    hybrid = result["hybrid"]
    assert isinstance(hybrid, dict)
    result["beats_published_sasrec"] = {"sasrec": bool(sasrec["NDCG@10"] > FLOORS[name]),
                                        "hybrid": bool(hybrid["NDCG@10"] > FLOORS[name])}
    return result


def _pct(values: list[float], cpu: list[float]) -> dict[str, float]:
    """Wall-clock p50/p95 and the same for the process's CPU time (what the request costs on an idle core)."""
    def p95(xs: list[float]) -> float:
        return sorted(xs)[min(len(xs) - 1, int(0.95 * len(xs)))]

    return {"p50_ms": round(statistics.median(values) * 1000, 2), "p95_ms": round(p95(values) * 1000, 2),
            "cpu_p50_ms": round(statistics.median(cpu) * 1000, 2), "cpu_p95_ms": round(p95(cpu) * 1000, 2),
            "requests": len(values)}


def bench_shop(args: argparse.Namespace) -> dict[str, object]:
    from sqlalchemy import select

    from backoffice.db import session_scope
    from backoffice.models import Customer, Product
    from backoffice.recommend import store
    from backoffice.recommend.settings import RecommendSettings

    info: dict[str, object] = {}
    if not (RecommendSettings().recommend_dir / "model" / "recommender.json").exists():
        tmp = tempfile.mkdtemp(prefix="shopdesk-recommend-")
        os.environ["SHOPDESK_RECOMMEND_DIR"] = tmp
        with session_scope() as session:
            started = time.monotonic()
            store.train(session, Path(tmp), max_minutes=args.shop_minutes, progress=not args.quiet)
            info["trained_minutes"] = round((time.monotonic() - started) / 60, 2)
        info["model"] = f"trained for this run ({args.shop_minutes} min budget; `make recommend` trains the real one)"
    else:
        info["model"] = str(RecommendSettings().recommend_dir / "model")
    store.reset_cache()
    rng = random.Random(1)
    with session_scope() as session:
        customers = list(session.execute(select(Customer.id)).scalars())
        skus = list(session.execute(select(Product.sku).where(Product.stock_on_hand > 0)).scalars())
        started = time.monotonic()
        store.recommend_for(session, customers[0], 5)
        store.search_products(session, "warm-up", 5)
        info["first_request_s"] = round(time.monotonic() - started, 2)
        timings: dict[str, list[float]] = {"recommend": [], "similar": [], "search": []}
        cpu: dict[str, list[float]] = {"recommend": [], "similar": [], "search": []}
        out_of_stock = 0
        for customer in rng.sample(customers, min(200, len(customers))):
            t, c = time.perf_counter(), time.process_time()
            hits = store.recommend_for(session, customer, 5)
            timings["recommend"].append(time.perf_counter() - t)
            cpu["recommend"].append(time.process_time() - c)
            out_of_stock += sum(h.stock <= 0 for h in hits)
        for sku in rng.sample(skus, min(100, len(skus))):
            t, c = time.perf_counter(), time.process_time()
            store.similar_to(session, sku, 5)
            timings["similar"].append(time.perf_counter() - t)
            cpu["similar"].append(time.process_time() - c)
        for _ in range(5):
            for query in QUERIES:
                t, c = time.perf_counter(), time.process_time()
                store.search_products(session, query, 5)
                timings["search"].append(time.perf_counter() - t)
                cpu["search"].append(time.process_time() - c)
        example: dict[str, object] = {
            q: [(h.title, str(h.price), h.reason) for h in store.search_products(session, q, 3)] for q in QUERIES[:2]}
        example["recommend"] = [(h.title, h.reason) for h in store.recommend_for(session, customers[0], 3)]
    info.update({k: _pct(v, cpu[k]) for k, v in timings.items()})
    info["load_average"] = [round(x, 1) for x in os.getloadavg()]
    info["out_of_stock_returned"] = out_of_stock
    info["examples"] = example
    info["floors"] = {"recommend_p95_ms": 20, "search_p95_ms": 50}
    return info


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA, help="folder with Beauty.txt, Sports_and_Outdoors.txt")
    parser.add_argument("--sets", nargs="+", default=["Beauty", "Sports_and_Outdoors"])
    parser.add_argument("--max-minutes", type=float, default=17.0, help="SASRec training budget per set")
    parser.add_argument("--epochs", type=int, help="most SASRec epochs (default: early stopping)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for training")
    parser.add_argument("--users", type=int, help="only this many users per set (a quick check)")
    parser.add_argument("--skip-shop", action="store_true", help="no demo-store latency")
    parser.add_argument("--shop-only", action="store_true", help="only the demo-store latency")
    parser.add_argument("--shop-minutes", type=float, default=5.0,
                        help="training budget when no trained shop model exists in var/recommend")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    report: dict[str, object] = {"protocol": "leave-one-out, full ranking over all items, own history excluded",
                                 "machine": f"{os.cpu_count()} CPUs", "torch_threads": args.threads}
    if not args.shop_only:
        for name in args.sets:
            report[name] = bench_dataset(name, args)
    if not args.skip_shop:
        report["demo_store"] = bench_shop(args)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
