"""Benchmark conversations through the web front (``make bench-chat``).

Virtual shoppers talk to ``/api/chat`` at 1, 10 and 50 concurrent conversations. Each conversation has its own
cookie jar (its own session and Rasa conversation). Some sign in as seeded customers (read from the back office
database, read-only) and ask about their own orders, so real order lookups happen in the action server.

Bounded: each level stops after its message budget or ``--max-seconds``, whichever comes first; only loopback URLs
are accepted. Prints JSON: messages/second and p50/p95/p99 latency per level, plus machine info.

    .venv/bin/python scripts/bench_chat.py                 # against a running stack on http://127.0.0.1:8000
    .venv/bin/python scripts/bench_chat.py --start         # boot a stack on free ports first (scripts/stack.py)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ANONYMOUS_SCRIPT = [
    "hi",
    "what is your return policy?",
    "how long does delivery take?",
    "where is my order?",
    "thanks, bye",
]
SIGNED_IN_SCRIPT = [
    "hello",
    "where is my order {number}?",
    "when will order {number} arrive?",
    "thank you",
]


@dataclass(frozen=True)
class Shopper:
    """A seeded customer with one of their order numbers."""

    email: str
    order_number: str


@dataclass
class LevelResult:
    """Measurements for one concurrency level."""

    concurrency: int
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    conversations: int = 0
    signed_in: int = 0
    logins_failed: int = 0
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        ok = sorted(self.latencies)
        total = len(ok) + self.errors
        return {
            "concurrency": self.concurrency,
            "messages": total,
            "errors": self.errors,
            "error_rate": round(self.errors / total, 4) if total else 0.0,
            "conversations": self.conversations,
            "signed_in_conversations": self.signed_in,
            "logins_failed": self.logins_failed,
            "seconds": round(self.seconds, 2),
            "messages_per_second": round(len(ok) / self.seconds, 2) if self.seconds else 0.0,
            "latency_ms": {
                "p50": _percentile(ok, 50),
                "p95": _percentile(ok, 95),
                "p99": _percentile(ok, 99),
                "mean": round(1000 * sum(ok) / len(ok), 1) if ok else None,
                "max": round(1000 * ok[-1], 1) if ok else None,
            },
        }


def _percentile(sorted_seconds: list[float], pct: float) -> float | None:
    """Nearest-rank percentile, in milliseconds."""
    if not sorted_seconds:
        return None
    rank = max(1, math.ceil(pct / 100 * len(sorted_seconds)))
    return round(1000 * sorted_seconds[rank - 1], 1)


def machine_info() -> dict[str, Any]:
    """Describe the machine the numbers come from."""
    return {
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "python": platform.python_version(),
    }


def load_shoppers(database_url: str, limit: int = 200) -> list[Shopper]:
    """Seeded customers with an order each, read from the back office database without writing to it."""
    from sqlalchemy import create_engine, select, text

    from backoffice.models import Customer, Order

    url = database_url
    if url.startswith("sqlite:///") and ":memory:" not in url:
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            return []
        url = f"sqlite:///file:{path}?mode=ro&uri=true"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SET TRANSACTION READ ONLY"))
            rows = conn.execute(
                select(Customer.email, Order.number)
                .join(Order, Order.customer_id == Customer.id)
                .order_by(Customer.id, Order.id)
                .limit(limit * 5)
            ).all()
    finally:
        engine.dispose()
    first: dict[str, str] = {}
    for email, number in rows:
        first.setdefault(email, number)
    return [Shopper(email, number) for email, number in list(first.items())[:limit]]


class Bench:
    """Runs the conversation mix against one web front."""

    def __init__(self, url: str, shoppers: list[Shopper], signed_in_share: float, seed: int) -> None:
        self.url = url.rstrip("/")
        self.shoppers = shoppers
        self.signed_in_share = signed_in_share if shoppers else 0.0
        self.random = random.Random(seed)

    async def _conversation(self, result: LevelResult, budget: list[int], deadline: float) -> None:
        shopper = self.random.choice(self.shoppers) if self.random.random() < self.signed_in_share else None
        async with httpx.AsyncClient(base_url=self.url, timeout=30.0, trust_env=False) as client:
            result.conversations += 1
            script = ANONYMOUS_SCRIPT
            if shopper is not None:
                login = await client.post("/api/session/login", json={"email": shopper.email})
                if login.status_code == 200:
                    result.signed_in += 1
                    script = [line.format(number=shopper.order_number) for line in SIGNED_IN_SCRIPT]
                else:
                    result.logins_failed += 1
            for text in script:
                if budget[0] <= 0 or time.monotonic() > deadline:
                    return
                budget[0] -= 1
                started = time.perf_counter()
                try:
                    response = await client.post("/api/chat", json={"message": text})
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                if ok:
                    result.latencies.append(time.perf_counter() - started)
                else:
                    result.errors += 1

    async def _worker(self, result: LevelResult, budget: list[int], deadline: float) -> None:
        while budget[0] > 0 and time.monotonic() < deadline:
            await self._conversation(result, budget, deadline)

    async def level(self, concurrency: int, messages: int, max_seconds: float) -> LevelResult:
        """Run ``concurrency`` conversations at a time until ``messages`` are sent or ``max_seconds`` pass."""
        result = LevelResult(concurrency)
        budget = [messages]
        started = time.monotonic()
        deadline = started + max_seconds
        await asyncio.gather(*(self._worker(result, budget, deadline) for _ in range(concurrency)))
        result.seconds = time.monotonic() - started
        return result

    async def warm_up(self) -> None:
        """Send a few messages first so model and connection warm-up do not count."""
        await self.level(1, 3, 30.0)


def _check_loopback(url: str) -> None:
    host = urlparse(url).hostname
    if host not in LOOPBACK:
        raise SystemExit(f"refusing to benchmark {url}: only 127.0.0.1 / localhost are allowed")


@contextlib.contextmanager
def _maybe_stack(start: bool, url: str, model: Path | None) -> Iterator[str]:
    if not start:
        yield url
        return
    from scripts.stack import Stack, StackConfig, free_port

    config = StackConfig(
        rasa_port=free_port(),
        action_port=free_port(),
        web_port=free_port(),
        model=model,
        log_dir=ROOT / "var" / "log" / "bench",  # leave the logs of a stack already running on the default ports
        # Every simulated shopper comes from 127.0.0.1: lift the per-address limits (the per-conversation ones stay).
        env={"SHOPDESK_DEMO_MODE": "true", "SHOPDESK_CLIENT_CHAT_PER_MINUTE": "1000000",
             "SHOPDESK_CLIENT_NEW_CONVERSATIONS_PER_HOUR": "10000000", "SHOPDESK_CLIENT_LOGINS_PER_MINUTE": "1000000"},
    )
    print(f"starting a stack on {config.web_url} (logs in {config.logs}/) ...", file=sys.stderr, flush=True)
    with Stack(config) as stack:
        yield stack.web_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark chat conversations through the web front.")
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="web front URL (loopback only)")
    parser.add_argument("--start", action="store_true", help="boot a stack on free ports with scripts/stack.py")
    parser.add_argument("--model", type=Path, default=None, help="with --start: model file or folder")
    parser.add_argument("--baseline-model", type=Path, default=None,
                        help="with --start: also measure this model (e.g. the NLU before a change) in the same run")
    parser.add_argument("--levels", default="1,10,50", help="comma-separated concurrency levels")
    parser.add_argument("--messages-per-worker", type=int, default=8, help="message budget per concurrent shopper")
    parser.add_argument("--min-messages", type=int, default=60, help="message budget floor per level")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="time cap per level")
    parser.add_argument("--signed-in-share", type=float, default=0.5, help="share of conversations that sign in")
    parser.add_argument("--database-url", default=None, help="back office DB to pick customers from (read-only)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    if any(level < 1 or level > 200 for level in levels):
        raise SystemExit("concurrency levels must be between 1 and 200")
    _check_loopback(args.url)

    from backoffice.config import get_settings

    database_url = args.database_url or get_settings().database_url
    try:
        shoppers = load_shoppers(database_url)
    except Exception as exc:  # the bench still runs anonymous conversations without a seeded database
        print(f"warning: no customers from {database_url}: {exc}", file=sys.stderr)
        shoppers = []

    def measure(model: Path | None) -> tuple[str, list[LevelResult]]:
        with _maybe_stack(args.start, args.url, model) as url:
            bench = Bench(url, shoppers, args.signed_in_share, args.seed)

            async def run() -> list[LevelResult]:
                await bench.warm_up()
                results = []
                for concurrency in levels:
                    budget = max(args.min_messages, concurrency * args.messages_per_worker)
                    results.append(await bench.level(concurrency, budget, args.max_seconds))
                return results

            return url, asyncio.run(run())

    if args.baseline_model is not None and not args.start:
        raise SystemExit("--baseline-model needs --start (the bench boots one stack per model)")
    baseline = measure(args.baseline_model)[1] if args.baseline_model is not None else None
    url, results = measure(args.model)
    report: dict[str, Any] = {
        "url": url,
        "machine": machine_info(),
        "customers_available": len(shoppers),
        "signed_in_share": args.signed_in_share,
        "model": str(args.model or "models/"),
        "levels": [r.summary() for r in results],
    }
    if baseline is not None:
        report["baseline"] = {"model": str(args.baseline_model), "levels": [r.summary() for r in baseline]}
    print(json.dumps(report, indent=2))
    return 0 if all(r.latencies for r in results + (baseline or [])) else 1


if __name__ == "__main__":
    sys.exit(main())
