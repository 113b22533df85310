"""Login throttling: failed attempts per account and per client network in a sliding window.

With Redis configured (redis_url, or a Redis broker) the counts live in sorted sets shared by
every API process; otherwise in the login_failure table. A success clears the account's count
(not the network's: one right password must not unlock a guessing network).
"""

from __future__ import annotations

import ipaddress
import math
import time
import uuid
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlmodel import Session, col, delete, func, select

from service.models import LoginFailure
from service.models._common import as_utc, utcnow
from service.settings import Settings, get_settings


def network_of(client_ip: str | None) -> str:
    """The client's /24 (IPv4) or /64 (IPv6): one key per network, not per rotating address."""
    try:
        address = ipaddress.ip_address(client_ip or "")
    except ValueError:
        return "unknown"
    prefix = 24 if address.version == 4 else 64
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def keys_for(email: str, client_ip: str | None) -> list[tuple[str, int]]:
    """(key, most failures allowed) for an attempt."""
    settings = get_settings()
    return [
        (f"account:{email.strip().lower()}", settings.login_max_per_account),
        (f"net:{network_of(client_ip)}", settings.login_max_per_network),
    ]


class DbFailures:
    """The table-backed counter (embedded setup without Redis)."""

    def __init__(self, session: Session, window_s: int) -> None:
        self.session, self.window = session, timedelta(seconds=window_s)

    def wait_s(self, key: str, limit: int) -> float:
        """Seconds until the key may try again (0 = now)."""
        since = utcnow() - self.window
        where = (col(LoginFailure.key) == key, col(LoginFailure.at) > since)
        count = self.session.exec(select(func.count()).where(*where)).one()
        if count < limit:
            return 0.0
        times = self.session.exec(
            select(LoginFailure.at).where(*where).order_by(col(LoginFailure.at).desc())
        ).all()
        freeing = as_utc(times[limit - 1])
        assert freeing is not None
        return max(0.0, (freeing + self.window - utcnow()).total_seconds())

    def record(self, key: str) -> None:
        """Count one failure."""
        self.session.add(LoginFailure(key=key))
        self.session.execute(
            delete(LoginFailure).where(col(LoginFailure.at) <= utcnow() - self.window)
        )
        self.session.flush()

    def clear(self, key: str) -> None:
        """Forget the key's failures."""
        self.session.execute(delete(LoginFailure).where(col(LoginFailure.key) == key))


class RedisFailures:
    """Sorted sets of failure times, one per key, trimmed to the window."""

    def __init__(self, client: Any, window_s: int) -> None:
        self.client, self.window = client, window_s

    def _key(self, key: str) -> str:
        return f"newsdesk:login:{key}"

    def wait_s(self, key: str, limit: int) -> float:
        """Seconds until the key may try again (0 = now)."""
        now = time.time()
        name = self._key(key)
        self.client.zremrangebyscore(name, "-inf", now - self.window)
        times = self.client.zrevrange(name, 0, limit - 1, withscores=True)
        if len(times) < limit:
            return 0.0
        return max(0.0, float(times[limit - 1][1]) + self.window - now)

    def record(self, key: str) -> None:
        """Count one failure."""
        name = self._key(key)
        self.client.zadd(name, {uuid.uuid4().hex: time.time()})
        self.client.expire(name, self.window)

    def clear(self, key: str) -> None:
        """Forget the key's failures."""
        self.client.delete(self._key(key))


def failures(session: Session, settings: Settings | None = None) -> DbFailures | RedisFailures:
    """Redis when configured, else the database."""
    settings = settings or get_settings()
    url = settings.redis_url or (
        settings.broker_url if settings.broker_url.startswith("redis") else None
    )
    if not url:
        return DbFailures(session, settings.login_window_s)
    return RedisFailures(_redis(url), settings.login_window_s)


@lru_cache(maxsize=4)
def _redis(url: str) -> Any:
    """One connection pool per URL and process."""
    import redis

    return redis.Redis.from_url(url)


def wait_before_attempt(counter: DbFailures | RedisFailures, keys: list[tuple[str, int]]) -> int:
    """Whole seconds to wait before another attempt is even checked (0 = go ahead)."""
    return math.ceil(max(counter.wait_s(key, limit) for key, limit in keys))
