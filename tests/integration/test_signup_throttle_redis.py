"""The signup throttle shares its windows through Redis, so every API process counts together."""

from __future__ import annotations

import redis

from service.audience.throttle import SignupThrottle
from tests.conftest import redis_url


def test_two_throttles_on_one_redis_share_the_count() -> None:
    client = redis.Redis.from_url(redis_url())
    for key in client.scan_iter("newsdesk:signup:*"):
        client.delete(key)
    first, second = (
        SignupThrottle(client, per_ip_per_hour=3, per_address_per_day=1) for _ in range(2)
    )
    assert [first.try_acquire("ip:192.0.2.7"), second.try_acquire("ip:192.0.2.7")] == [0.0, 0.0]
    assert first.try_acquire("ip:192.0.2.7") == 0.0
    assert second.try_acquire("ip:192.0.2.7") > 3000  # the 4th within the hour waits ~an hour
    assert first.try_acquire("ip:198.51.100.1") == 0.0  # another network is unaffected
    assert first.try_acquire("mailbox:abc") == 0.0
    assert second.try_acquire("mailbox:abc") > 80000  # one confirmation mail a day
