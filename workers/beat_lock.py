"""Only one beat: a Redis lease (SET NX PX, renewed by a thread) or, on the embedded broker, a
file lock beside the schedule. A second `newsdesk beat` waits as a standby until the lease is
free, so two beats never both publish ticks (which would double every periodic task).
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import socket
import threading
import time
from pathlib import Path
from typing import IO, Any

import redis

from service.settings import Settings

log = logging.getLogger(__name__)
KEY = "newsdesk:beat-lock"


def lock_redis_url(settings: Settings) -> str | None:
    """Redis to hold the lease in: REDIS_URL, else a Redis broker; None on the embedded broker."""
    if settings.redis_url:
        return settings.redis_url
    return settings.broker_url if settings.broker_url.startswith("redis") else None


def hold_beat_lock(settings: Settings, lock_file: Path, *, wait: bool = True) -> Any:
    """Block until this process holds the beat lock; returns what keeps it (keep a reference)."""
    url = lock_redis_url(settings)
    if url is None:
        return _file_lock(lock_file, wait=wait)
    return _RedisLease(redis.Redis.from_url(url), settings.beat_lock_ttl_s).acquire(wait=wait)


def _file_lock(path: Path, *, wait: bool) -> IO[str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        handle.close()
        raise SystemExit(f"another beat holds {path}") from None
    return handle


class _RedisLease:
    """A lease in Redis with this process's identity, renewed at a third of its lifetime."""

    def __init__(self, client: redis.Redis, ttl_s: float) -> None:
        self.client, self.ttl_ms = client, int(ttl_s * 1000)
        self.owner = f"{socket.gethostname()}:{os.getpid()}"

    def acquire(self, *, wait: bool) -> _RedisLease:
        """SET NX until it succeeds (standby), then start renewing."""
        announced = False
        while not self.client.set(KEY, self.owner, nx=True, px=self.ttl_ms):
            if not wait:
                raise SystemExit(f"another beat holds the lock: {self._holder()}")
            if not announced:
                log.warning("standby: beat lock held by %s; waiting", self._holder())
                announced = True
            time.sleep(self.ttl_ms / 3000)
        threading.Thread(target=self._renew, name="beat-lock", daemon=True).start()
        return self

    def _holder(self) -> str:
        value = self.client.get(KEY)
        return value.decode() if isinstance(value, bytes) else str(value)

    def _renew(self) -> None:
        """Extend the lease while we own it; if it was lost, stop this beat (another may run)."""
        # A key that vanished (an empty Redis restart) is taken back: nobody else holds it, and
        # a beat that stopped here would leave no sweep to re-enqueue the tasks Redis lost.
        script = self.client.register_script(
            "local holder = redis.call('get', KEYS[1]) "
            "if holder == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end "
            "if not holder then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end "
            "return 0"
        )
        while True:
            time.sleep(self.ttl_ms / 3000)
            try:
                kept = script(keys=[KEY], args=[self.owner, self.ttl_ms])
            except redis.RedisError:
                log.warning("beat lock: Redis unreachable, retrying", exc_info=True)
                continue
            if not kept:
                log.error("beat lock lost to %s; stopping this beat", self._holder())
                os.kill(os.getpid(), signal.SIGTERM)
                return
