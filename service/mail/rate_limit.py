"""Send-rate limits shared by every worker, enforced atomically in Redis by one Lua script.

Per-second limits (global, per recipient domain) use GCRA, the generic cell rate algorithm:
one key per limit holding the theoretical arrival time. With the default burst of 1 it paces
sends at least 1/N s apart, so no one-second window ever holds more than N. The hourly
limit is an exact sliding window: a sorted set of send times. The
script checks every limit first and consumes from all of them only when all allow, so a
refused attempt uses no capacity; it returns how long to wait. Time is Redis's own clock, so
workers on different hosts agree.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from service.errors import InvalidInput
from service.settings import Settings

log = logging.getLogger(__name__)

LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local wait = 0
local tats = {}
for i = 1, #KEYS do
  local kind, a, b = ARGV[3*i-2], tonumber(ARGV[3*i-1]), tonumber(ARGV[3*i])
  if kind == 'g' then
    -- a = emission interval (ms), b = burst tolerance (ms)
    local tat = tonumber(redis.call('GET', KEYS[i]) or now)
    if tat < now then tat = now end
    tats[i] = tat
    local allow_at = tat - b
    if allow_at > now then wait = math.max(wait, allow_at - now) end
  else
    -- a = most sends in the window, b = window length (ms)
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - b)
    local count = redis.call('ZCARD', KEYS[i])
    if count >= a then
      local freeing = redis.call('ZRANGE', KEYS[i], count - a, count - a, 'WITHSCORES')
      wait = math.max(wait, tonumber(freeing[2]) + b - now)
    end
  end
end
if wait > 0 then return tostring(wait) end
for i = 1, #KEYS do
  local kind, a, b = ARGV[3*i-2], tonumber(ARGV[3*i-1]), tonumber(ARGV[3*i])
  if kind == 'g' then
    redis.call('SET', KEYS[i], tostring(tats[i] + a), 'PX', math.ceil(a + b) + 1000)
  else
    redis.call('ZADD', KEYS[i], now, ARGV[#ARGV])
    redis.call('PEXPIRE', KEYS[i], math.ceil(b))
  end
end
return '0'
"""


@dataclass(frozen=True)
class Limit:
    """At most `count` per `period_s`; 'rate' = GCRA pacing, 'window' = exact sliding window."""

    key: str
    count: float
    period_s: float
    kind: str = "rate"
    burst: int = 1  # rate only: sends allowed back to back before pacing starts

    def script_args(self) -> list[object]:
        """(kind, a, b) as the Lua script reads them, in milliseconds."""
        if self.kind == "rate":
            interval = self.period_s * 1000 / self.count
            return ["g", interval, (self.burst - 1) * interval]
        return ["w", self.count, self.period_s * 1000]


def parse_domain_rates(spec: str) -> dict[str, float]:
    """'gmail.com=20,*=50' -> {'gmail.com': 20.0, '*': 50.0}; refuses malformed entries."""
    rates: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        domain, eq, value = item.partition("=")
        try:
            rate = float(value) if eq else -1.0
        except ValueError:
            rate = -1.0
        if rate <= 0 or not domain.strip():
            raise InvalidInput(f"NEWSDESK_RATE_DOMAIN_PER_S entry {item!r}: want domain=positive")
        rates[domain.strip().lower()] = rate
    return rates


class RateLimiter:
    """Asks Redis whether one more message may go out now, across every worker."""

    def __init__(
        self,
        client: object,
        *,
        global_per_s: float | None = None,
        domain_per_s: dict[str, float] | None = None,
        global_per_hour: int | None = None,
        prefix: str = "newsdesk:rate",
    ) -> None:
        self.client = client
        self.global_per_s = global_per_s
        self.domain_per_s = domain_per_s or {}
        self.global_per_hour = global_per_hour
        self.prefix = prefix
        self._script = client.register_script(LUA)  # type: ignore[attr-defined]

    def limits_for(self, domain: str) -> list[Limit]:
        """The limits one message to `domain` counts against."""
        limits = []
        if self.global_per_s:
            limits.append(Limit(f"{self.prefix}:global:s", self.global_per_s, 1.0))
        domain = domain.lower()
        rate = self.domain_per_s.get(domain, self.domain_per_s.get("*"))
        if rate:
            limits.append(Limit(f"{self.prefix}:domain:{domain}:s", rate, 1.0))
        if self.global_per_hour:
            limits.append(Limit(f"{self.prefix}:global:h", self.global_per_hour, 3600.0, "window"))
        return limits

    def try_acquire(self, domain: str) -> float:
        """Take one slot and return 0.0, or take nothing and return the seconds to wait."""
        limits = self.limits_for(domain)
        if not limits:
            return 0.0
        args: list[object] = []
        for limit in limits:
            args += limit.script_args()
        args.append(os.urandom(8).hex())  # unique sorted-set member for this send
        wait_ms = float(self._script(keys=[limit.key for limit in limits], args=args))
        return wait_ms / 1000.0

    def acquire(
        self, domain: str, *, timeout_s: float = 60.0, sleep: Callable[[float], None] = time.sleep
    ) -> bool:
        """Wait until one message to `domain` may go; False if that would exceed timeout_s."""
        return self.wait_or_acquire(domain, timeout_s=timeout_s, sleep=sleep) == 0

    def wait_or_acquire(
        self, domain: str, *, timeout_s: float, sleep: Callable[[float], None] = time.sleep
    ) -> float:
        """Sleep for short waits and take a slot (0.0), or return a wait longer than timeout_s."""
        deadline = time.monotonic() + timeout_s
        while True:
            wait = self.try_acquire(domain)
            if wait <= 0:
                return 0.0
            if time.monotonic() + wait > deadline:
                return wait
            sleep(wait)


class LocalRateLimiter(RateLimiter):
    """The same limits kept in this process only: for the embedded setup without Redis.

    With several worker processes each enforces the limits on its own share, so the total can
    reach processes x limit; production configures Redis.
    """

    def __init__(self, **limits: Any) -> None:
        self.global_per_s = limits.get("global_per_s")
        self.domain_per_s = limits.get("domain_per_s") or {}
        self.global_per_hour = limits.get("global_per_hour")
        self.prefix = "local"
        self._tat: dict[str, float] = {}
        self._window: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def try_acquire(self, domain: str) -> float:
        """Check all limits, then consume from all, under one lock (the Lua script's logic)."""
        limits = self.limits_for(domain)
        with self._lock:
            now = time.monotonic()
            wait = max([self._wait(limit, now) for limit in limits], default=0.0)
            if wait > 0:
                return wait
            for limit in limits:
                if limit.kind == "rate":
                    tat = max(self._tat.get(limit.key, now), now)
                    self._tat[limit.key] = tat + limit.period_s / limit.count
                else:
                    self._window.setdefault(limit.key, deque()).append(now)
            return 0.0

    def _wait(self, limit: Limit, now: float) -> float:
        """Seconds until this limit allows one more."""
        if limit.kind == "rate":
            interval = limit.period_s / limit.count
            tat = max(self._tat.get(limit.key, now), now)
            return max(tat - (limit.burst - 1) * interval - now, 0.0)
        times = self._window.setdefault(limit.key, deque())
        while times and times[0] <= now - limit.period_s:
            times.popleft()
        if len(times) < limit.count:
            return 0.0
        return times[len(times) - int(limit.count)] + limit.period_s - now


def limiter_from_settings(settings: Settings) -> RateLimiter | None:
    """The configured limiter (Redis, else per process), or None when no limit is set."""
    domains = parse_domain_rates(settings.rate_domain_per_s)
    if not (settings.rate_global_per_s or domains or settings.rate_global_per_hour):
        return None
    url = settings.redis_url or (
        settings.broker_url if settings.broker_url.startswith("redis") else None
    )
    if not url:
        log.warning("send-rate limits without Redis: each worker process enforces its own")
        return LocalRateLimiter(
            global_per_s=settings.rate_global_per_s,
            domain_per_s=domains,
            global_per_hour=settings.rate_global_per_hour,
        )
    import redis

    return RateLimiter(
        redis.Redis.from_url(url),
        global_per_s=settings.rate_global_per_s,
        domain_per_s=domains,
        global_per_hour=settings.rate_global_per_hour,
    )
