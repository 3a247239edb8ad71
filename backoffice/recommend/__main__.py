"""Command line for batch prediction and for training the shop's recommender.

``next-items`` predicts each user's next items from a sequences file; ``train`` fits the
shop's recommender from the store database into ``var/recommend`` (``make recommend``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from backoffice.recommend.batch import METHODS, next_items, read_sequences, write_predictions


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m backoffice.recommend", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    nxt = sub.add_parser("next-items", help="train on sequences and predict each user's next items")
    nxt.add_argument("--sequences", type=Path, required=True, help="one line per user: user_id item_1 ... item_n")
    nxt.add_argument("--top", type=int, default=20, help="items per user (default 20)")
    nxt.add_argument("--out", type=Path, required=True, help="one line per user: user_id rec_1 ... rec_top")
    nxt.add_argument("--method", choices=METHODS, default="hybrid",
                     help="hybrid (default): SASRec plus co-purchase; or one model alone")
    nxt.add_argument("--epochs", type=int, help="most SASRec epochs (default 200, early stopping decides)")
    nxt.add_argument("--max-minutes", type=float, default=17.0,
                     help="SASRec training time budget in minutes; the best epoch so far is kept (default 17)")
    nxt.add_argument("--include-seen", action="store_true", help="allow items already in a user's line")
    nxt.add_argument("--threads", type=int, default=1, help="torch threads (default 1, see README)")
    nxt.add_argument("--seed", type=int, default=0, help="random seed")
    nxt.add_argument("--quiet", action="store_true", help="no progress output")
    train = sub.add_parser("train", help="fit the shop's recommender and search index from the store database")
    train.add_argument("--out", type=Path, help="folder (default SHOPDESK_RECOMMEND_DIR, var/recommend)")
    train.add_argument("--max-minutes", type=float, help="training time budget (default 15)")
    train.add_argument("--epochs", type=int, help="most SASRec epochs")
    return parser


def _next_items(args: argparse.Namespace) -> int:
    from backoffice.recommend.sasrec import SASRecConfig

    sequences = read_sequences(args.sequences)
    if not sequences:
        print(f"{args.sequences}: no sequences", file=sys.stderr)
        return 1
    config = SASRecConfig(max_minutes=args.max_minutes, random_state=args.seed, threads=args.threads)
    if args.epochs is not None:
        config.epochs = args.epochs
    if not args.quiet:
        n_items = len({i for s in sequences.values() for i in s})
        print(f"{len(sequences)} users, {n_items} items, method {args.method}", file=sys.stderr, flush=True)
    result = next_items(sequences, args.top, method=args.method, config=config,
                        exclude_seen=not args.include_seen, progress=not args.quiet)
    write_predictions(args.out, result.predictions)
    if not args.quiet:
        print(f"{len(result.predictions)} users -> {args.out} ({result.seconds / 60:.1f} min)", file=sys.stderr)
    return 0


def _train(args: argparse.Namespace) -> int:
    from backoffice.db import session_scope
    from backoffice.recommend.settings import RecommendSettings
    from backoffice.recommend.store import train

    out = args.out or RecommendSettings().recommend_dir
    with session_scope() as session:
        model = train(session, out, max_minutes=args.max_minutes, epochs=args.epochs)
    kind = "SASRec + co-purchase + popularity" if model.sasrec_ is not None else "co-purchase + popularity"
    print(f"{len(model.histories_)} customers, {len(model.items_)} products ({kind}) -> {out}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return _next_items(args) if args.command == "next-items" else _train(args)


if __name__ == "__main__":
    sys.exit(main())
