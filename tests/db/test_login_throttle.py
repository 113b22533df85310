"""Login throttling per account and per client network, in the database and in Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from sqlmodel import Session

from service.accounts import throttle, users
from service.accounts.errors import LoginRefused
from service.accounts.login import THROTTLED, WRONG, password_step
from service.settings import get_settings, reset_settings
from tests.conftest import redis_url

PASSWORD = "a long enough password"


@pytest.fixture(params=["database", "redis"])
def backend(
    request: pytest.FixtureRequest, session: Session, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Counts in the login_failure table, or in Redis sorted sets (NEWSDESK_REDIS_URL)."""
    monkeypatch.setenv("NEWSDESK_LOGIN_MAX_PER_ACCOUNT", "3")
    monkeypatch.setenv("NEWSDESK_LOGIN_MAX_PER_NETWORK", "5")
    if request.param == "redis":
        url = redis_url()
        monkeypatch.setenv("NEWSDESK_REDIS_URL", url)
        client = redis.Redis.from_url(url)
        for key in client.scan_iter("newsdesk:login:*"):
            client.delete(key)
    reset_settings()
    users.create_user(
        session, email="ed@example.org", display_name="Ed", role="editor", password=PASSWORD
    )
    session.commit()
    yield request.param
    reset_settings()


def _attempt(
    session: Session, password: str, ip: str = "192.0.2.10", email: str = "ed@example.org"
) -> LoginRefused | None:
    try:
        password_step(session, email=email, password=password, client_ip=ip)
    except LoginRefused as exc:
        return exc
    finally:
        session.commit()  # the route commits refused attempts too, so counts persist
    return None


def test_counter_follows_settings(backend: str, session: Session) -> None:
    counter = throttle.failures(session)
    kind = throttle.RedisFailures if backend == "redis" else throttle.DbFailures
    assert isinstance(counter, kind) and get_settings().login_max_per_account == 3


def test_account_is_locked_after_the_limit_even_with_the_right_password(
    backend: str, session: Session
) -> None:
    for _ in range(3):
        refused = _attempt(session, "wrong password")
        assert refused is not None and refused.message == WRONG and refused.retry_after_s == 0
    refused = _attempt(session, PASSWORD)
    assert refused is not None and refused.message == THROTTLED
    assert 0 < refused.retry_after_s <= get_settings().login_window_s
    assert "%(minutes)s" in refused.message  # the page says how long to wait


def test_success_clears_the_account_count(backend: str, session: Session) -> None:
    for _ in range(2):
        assert _attempt(session, "wrong password") is not None
    assert _attempt(session, PASSWORD) is None
    for _ in range(2):
        assert _attempt(session, "wrong password").message == WRONG  # type: ignore[union-attr]


def test_a_guessing_network_is_throttled_across_accounts(backend: str, session: Session) -> None:
    for n in range(5):
        refused = _attempt(session, "guess", ip=f"198.51.100.{n}", email=f"nobody{n}@example.org")
        assert refused is not None and refused.message == WRONG
    refused = _attempt(session, PASSWORD, ip="198.51.100.77")  # same /24, a real account
    assert refused is not None and refused.message == THROTTLED
    assert _attempt(session, PASSWORD, ip="203.0.113.5") is None  # another network is unaffected


def test_networks_are_grouped_by_prefix() -> None:
    assert throttle.network_of("192.0.2.77") == "192.0.2.0/24"
    assert throttle.network_of("2001:db8:1:2:3::4") == "2001:db8:1:2::/64"
    assert throttle.network_of(None) == "unknown"
