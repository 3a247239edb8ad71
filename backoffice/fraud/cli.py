"""``python -m backoffice.fraud train|score|review|retrain``: batch training and scoring, the review queue."""

from __future__ import annotations

import argparse
import sys
import time as clock
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from backoffice.fraud.features import LABEL, TX_ID, FeatureSpec


def _read(path: Path, what: str) -> pd.DataFrame:
    if not path.is_file():
        raise ValueError(f"{what}: no file {path}")
    return pd.read_csv(path)


def _spec(args: argparse.Namespace) -> FeatureSpec:
    entities = tuple(e.strip() for e in args.entities.split(",") if e.strip())
    return FeatureSpec(customer=args.customer, entities=entities, delay_days=args.delay_days)


def cmd_train(args: argparse.Namespace) -> int:
    from backoffice.fraud.pipeline import train

    frame = _read(args.transactions, "--transactions")
    if LABEL not in frame.columns:
        raise ValueError(f"--transactions needs a {LABEL} column to train on")
    started = clock.perf_counter()
    bundle = train(frame, _spec(args), reviews_per_day=args.reviews_per_day, progress=True,
                   params={"random_state": args.seed})
    bundle.save(args.model)
    print(f"trained on {bundle.info['rows']} transactions ({bundle.info['frauds']} frauds) in "
          f"{clock.perf_counter() - started:.1f} s; threshold {bundle.threshold:.4f} for {args.reviews_per_day:g} "
          f"reviews a day; saved {args.model}")
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from backoffice.fraud.pipeline import Bundle, score_frame

    bundle = Bundle.load(args.model)
    history = _read(args.history, "--history") if args.history else None
    frame = _read(args.transactions, "--transactions")
    started = clock.perf_counter()
    scores = score_frame(bundle, history, frame)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({TX_ID: frame[TX_ID], "score": scores.round(6)}).to_csv(args.out, index=False)
    print(f"scored {len(frame)} transactions in {clock.perf_counter() - started:.1f} s; "
          f"{int((scores >= bundle.threshold).sum())} at or above the threshold {bundle.threshold:.4f}; "
          f"wrote {args.out}")
    return 0


def _session(url: str | None):  # noqa: ANN202 - a context manager of a Session
    from backoffice.config import get_settings
    from backoffice.db import make_engine, session_factory, session_scope

    return session_scope(session_factory(make_engine(url or get_settings().database_url)))


def cmd_review(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from backoffice.fraud.shop import explain, held_orders, review
    from backoffice.models import StaffMember

    with _session(args.database_url) as session:
        if args.action == "list":
            queue = held_orders(session)
            if not queue:
                print("no orders are waiting for a fraud review")
            for item in queue:
                print(f"{item['number']}  {item['placed_at'][:16]}  {item['customer'] or '?':<22} "
                      f"£{item['total']:>9}  risk {item['score'] or 0:.1%}")
                for words in item["reasons"]:
                    print(f"      - {words}")
            return 0
        if not args.number:
            raise ValueError(f"review {args.action} needs an order number")
        if args.action == "show":
            info = explain(session, args.number)
            print(info["text"] if info else f"no order {args.number}")
            return 0 if info else 1
        staff = None
        if args.staff:
            staff = session.scalars(select(StaffMember).where(StaffMember.username == args.staff)).first()
            if staff is None:
                raise ValueError(f"no staff member {args.staff!r} (create one with make create-staff)")
        review(session, args.number, args.action, args.reason or "", staff)
        print(f"order {args.number}: {args.action}d ({args.reason})")
    return 0


def cmd_retrain(args: argparse.Namespace) -> int:
    from backoffice.fraud.shop import model_path, retrain

    path = args.model or model_path()
    with _session(args.database_url) as session:
        bundle = retrain(session, path=path, progress=True)
    print(f"retrained on {bundle.info['rows']} labelled orders ({bundle.info['frauds']} frauds); threshold "
          f"{bundle.threshold:.4f} for {bundle.reviews_per_day:g} reviews a day; saved {path}")
    return 0


def parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    top = argparse.ArgumentParser(prog="python -m backoffice.fraud", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="train on a labelled CSV in the handbook schema")
    train.add_argument("--transactions", type=Path, required=True)
    train.add_argument("--model", type=Path, required=True)
    train.add_argument("--customer", default="CUSTOMER_ID")
    train.add_argument("--entities", default="TERMINAL_ID", help="comma-separated risk entity columns")
    train.add_argument("--delay-days", type=int, default=7)
    train.add_argument("--reviews-per-day", type=float, default=100.0, help="alert budget for the threshold")
    train.add_argument("--seed", type=int, default=0)
    train.set_defaults(run=cmd_train)
    score = sub.add_parser("score", help="score a CSV (no labels) with earlier labelled history as context")
    score.add_argument("--model", type=Path, required=True)
    score.add_argument("--history", type=Path)
    score.add_argument("--transactions", type=Path, required=True)
    score.add_argument("--out", type=Path, required=True)
    score.set_defaults(run=cmd_score)
    rev = sub.add_parser("review", help="the review queue: list held orders, show, approve or reject one")
    rev.add_argument("action", choices=["list", "show", "approve", "reject"], nargs="?", default="list")
    rev.add_argument("number", nargs="?")
    rev.add_argument("--reason", help="why (required to approve or reject)")
    rev.add_argument("--staff", help="your console username")
    rev.add_argument("--database-url")
    rev.set_defaults(run=cmd_review)
    re = sub.add_parser("retrain", help="retrain the shop's model from stored review and simulated labels")
    re.add_argument("--database-url")
    re.add_argument("--model", type=Path)
    re.set_defaults(run=cmd_retrain)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a ValueError becomes a one-line error and exit status 2."""
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
