"""Signup throttling: sliding windows per client IP and per address, shared across processes.

It reuses the send path's atomic Lua script (service.mail.rate_limit) with exact sliding
windows: at most `signup_per_ip_per_hour` signups from one client address, and at most
`confirmations_per_address_per_day` confirmation mails to one mailbox, so the form cannot be
used to flood a stranger's inbox.
"""

from __future__ import annotations

from functools import lru_cache

from service.mail.rate_limit import Limit, LocalRateLimiter, RateLimiter
from service.settings import Settings, get_settings


class _SignupLimits:
    """The two windows; a key is 'ip:<address>' or 'mailbox:<keyed hash>'."""

    per_ip_per_hour: int
    per_address_per_day: int
    prefix: str

    def limits_for(self, domain: str) -> list[Limit]:
        """The window a key counts against."""
        kind, _, value = domain.partition(":")
        if kind == "ip":
            return [Limit(f"{self.prefix}:ip:{value}", self.per_ip_per_hour, 3600.0, "window")]
        return [
            Limit(f"{self.prefix}:mailbox:{value}", self.per_address_per_day, 86400.0, "window")
        ]


class SignupThrottle(_SignupLimits, RateLimiter):
    """Redis-backed: one count for every API process."""

    def __init__(self, client: object, *, per_ip_per_hour: int, per_address_per_day: int) -> None:
        RateLimiter.__init__(self, client, prefix="newsdesk:signup")
        self.per_ip_per_hour, self.per_address_per_day = per_ip_per_hour, per_address_per_day


class LocalSignupThrottle(_SignupLimits, LocalRateLimiter):
    """Per-process fallback for the embedded setup without Redis."""

    def __init__(self, *, per_ip_per_hour: int, per_address_per_day: int) -> None:
        LocalRateLimiter.__init__(self)
        self.prefix = "signup"
        self.per_ip_per_hour, self.per_address_per_day = per_ip_per_hour, per_address_per_day


def throttle_from_settings(settings: Settings) -> RateLimiter:
    """Redis when configured (redis_url, else a Redis broker), otherwise this process only."""
    limits = {
        "per_ip_per_hour": settings.signup_per_ip_per_hour,
        "per_address_per_day": settings.confirmations_per_address_per_day,
    }
    url = settings.redis_url or (
        settings.broker_url if settings.broker_url.startswith("redis") else None
    )
    if not url:
        return LocalSignupThrottle(**limits)
    import redis

    return SignupThrottle(redis.Redis.from_url(url), **limits)


@lru_cache(maxsize=1)
def signup_throttle() -> RateLimiter:
    """The process-wide throttle (tests reset it with signup_throttle.cache_clear())."""
    return throttle_from_settings(get_settings())
