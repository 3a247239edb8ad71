"""Token-bucket limits per key, driven by an injected clock."""

from __future__ import annotations

import pytest

from bot import ratelimit
from bot.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_a_burst_is_allowed_then_refused(clock: Clock) -> None:
    limit = RateLimiter(burst=3, per_minute=6, clock=clock)
    assert [limit.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limit.retry_after("a") == 10  # one token every 10 s


def test_tokens_come_back_with_time(clock: Clock) -> None:
    limit = RateLimiter(burst=2, per_minute=6, clock=clock)
    assert limit.allow("a") and limit.allow("a") and not limit.allow("a")
    clock.now += 5
    assert not limit.allow("a")
    assert limit.retry_after("a") == 5
    clock.now += 5
    assert limit.allow("a")
    assert not limit.allow("a")


def test_the_bucket_never_holds_more_than_the_burst(clock: Clock) -> None:
    limit = RateLimiter(burst=2, per_minute=60, clock=clock)
    limit.allow("a")
    clock.now += 3600
    assert [limit.allow("a") for _ in range(3)] == [True, True, False]


def test_keys_are_independent(clock: Clock) -> None:
    limit = RateLimiter(burst=1, per_minute=1, clock=clock)
    assert limit.allow("a") and not limit.allow("a")
    assert limit.allow("b")
    assert limit.retry_after("c") == 0 and limit.retry_after("b") == 60


def test_retry_after_is_zero_while_allowed_and_at_least_one_second(clock: Clock) -> None:
    limit = RateLimiter(burst=1, per_minute=600, clock=clock)
    assert limit.retry_after("a") == 0
    limit.allow("a")
    limit.allow("a")
    assert limit.retry_after("a") == 1  # 0.1 s rounds up to a whole second


@pytest.mark.parametrize(("burst", "per_minute"), [(0, 5), (1, 0), (1, -1)])
def test_nonsense_limits_are_refused(burst: int, per_minute: float) -> None:
    with pytest.raises(ValueError):
        RateLimiter(burst=burst, per_minute=per_minute)


def test_memory_is_bounded_by_forgetting_the_oldest_keys(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit, "MAX_KEYS", 3)
    limit = RateLimiter(burst=1, per_minute=1, clock=clock)
    for key in ("a", "b", "c", "d"):
        limit.allow(key)
    assert limit.retry_after("a") == 0  # forgotten, so "a" gets a fresh bucket
    assert limit.allow("a")
    assert not limit.allow("d")
