"""Send-rate limits in real Redis: atomic across processes, refusals consume nothing."""

from __future__ import annotations

import multiprocessing
import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from service.errors import InvalidInput
from service.mail.rate_limit import (
    LocalRateLimiter,
    RateLimiter,
    limiter_from_settings,
    parse_domain_rates,
)
from service.settings import Settings
from tests.conftest import redis_url


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    """A client on the test Redis database."""
    c = redis.Redis.from_url(redis_url())
    yield c
    c.close()


@pytest.fixture
def prefix(client: redis.Redis) -> Iterator[str]:
    """A key prefix of this test; its keys are deleted afterwards."""
    name = f"test:rate:{uuid.uuid4().hex}"
    yield name
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)


def redis_ms(client: redis.Redis) -> float:
    """Redis's clock in milliseconds (the limiter's own time source)."""
    seconds, micros = client.time()
    return seconds * 1000 + micros / 1000


def _grab(url: str, prefix: str, attempts: int, queue: multiprocessing.Queue) -> None:
    """A worker process: try many times without waiting, report how many were granted."""
    limiter = RateLimiter(redis.Redis.from_url(url), global_per_hour=50, prefix=prefix)
    queue.put(sum(limiter.try_acquire("example.org") == 0 for _ in range(attempts)))


def test_hourly_window_is_exact_across_processes(prefix: str) -> None:
    queue: multiprocessing.Queue = multiprocessing.Queue()
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_grab, args=(redis_url(), prefix, 40, queue)) for _ in range(4)]
    for w in workers:
        w.start()
    granted = sum(queue.get(timeout=30) for _ in workers)
    for w in workers:
        w.join(timeout=30)
    assert granted == 50  # 160 attempts, exactly the window's 50 granted


def test_refused_attempt_consumes_nothing_and_says_how_long(
    client: redis.Redis, prefix: str
) -> None:
    limiter = RateLimiter(client, global_per_s=5, global_per_hour=3, prefix=prefix)
    assert limiter.try_acquire("a.example") == 0
    wait = limiter.try_acquire("a.example")
    assert 0 < wait <= 0.2  # paced 1/5 s apart
    assert client.zcard(f"{prefix}:global:h") == 1  # the refusal left the hour window alone
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    for _ in range(2):
        assert limiter.acquire("a.example", sleep=sleep)
    assert len(slept) == 2  # each had to wait for its paced slot
    hour_wait = limiter.try_acquire("a.example")
    assert 3000 < hour_wait <= 3600  # the window frees its oldest slot in about an hour
    assert not limiter.acquire("a.example", timeout_s=1)


def test_per_domain_pacing_counts(client: redis.Redis, prefix: str) -> None:
    limiter = RateLimiter(client, domain_per_s={"gmail.com": 20}, prefix=prefix)
    start = redis_ms(client)
    granted = 0
    while redis_ms(client) - start < 500:
        granted += limiter.try_acquire("GMAIL.com") == 0
    elapsed_s = (redis_ms(client) - start) / 1000
    assert granted <= 20 * elapsed_s + 1 and granted >= 5
    assert all(limiter.try_acquire("example.org") == 0 for _ in range(100))  # no limit there


def test_settings_parsing() -> None:
    assert parse_domain_rates("gmail.com=20, *=50") == {"gmail.com": 20.0, "*": 50.0}
    for bad in ("gmail.com", "gmail.com=0", "=5", "x=abc"):
        with pytest.raises(InvalidInput, match="RATE_DOMAIN"):
            parse_domain_rates(bad)
    assert limiter_from_settings(Settings()) is None
    local = limiter_from_settings(Settings(rate_global_per_s=10))
    assert isinstance(local, LocalRateLimiter)
    built = limiter_from_settings(Settings(rate_global_per_s=10, redis_url=redis_url()))
    assert built is not None and [lim.count for lim in built.limits_for("x.org")] == [10]


def test_local_fallback_has_the_same_semantics() -> None:
    limiter = LocalRateLimiter(global_per_s=5, global_per_hour=3)
    assert limiter.try_acquire("a.example") == 0
    assert 0 < limiter.try_acquire("a.example") <= 0.2
    assert limiter.acquire("a.example") and limiter.acquire("a.example")
    assert limiter.try_acquire("a.example") > 3000
