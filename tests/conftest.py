"""Shared fixtures: settings per test, real SQLite and PostgreSQL databases, service checks."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel

import service.models  # noqa: F401 - registers every table
from service.audience.throttle import signup_throttle
from service.db import reset_engine
from service.settings import reset_settings

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
TEST_SECRET = "test-secret-key-not-for-production-0123456789"


def require_service(name: str, reason: str) -> None:
    """Skip locally when a service is missing; under CI=true a missing service is a failure."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{name} is required under CI=true: {reason}")
    pytest.skip(f"{name} not available: {reason}")


def postgres_url() -> str:
    """The PostgreSQL URL for tests, or skip/fail per require_service."""
    url = os.environ.get("NEWSDESK_TEST_DATABASE_URL")
    if not url:
        require_service("PostgreSQL", "NEWSDESK_TEST_DATABASE_URL is not set")
    assert url is not None
    try:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except sa.exc.OperationalError as exc:
        require_service("PostgreSQL", str(exc).splitlines()[0])
    return url


def redis_url() -> str:
    """The Redis URL for tests, or skip/fail per require_service."""
    url = os.environ.get("NEWSDESK_TEST_BROKER_URL")
    if not url:
        require_service("Redis", "NEWSDESK_TEST_BROKER_URL is not set")
    assert url is not None
    import redis

    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError as exc:
        require_service("Redis", str(exc))
    return url


@pytest.fixture
def configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point settings at a private var/ directory with a test secret."""
    monkeypatch.setenv("NEWSDESK_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", f"sqlite:///{tmp_path}/test.sqlite3")
    monkeypatch.setenv("NEWSDESK_BROKER_DIR", str(tmp_path / "broker"))
    # signup mail in the request and no response floor, unless a test asks (tests/security)
    monkeypatch.setenv("NEWSDESK_SIGNUP_MAIL_QUEUE", "false")
    monkeypatch.setenv("NEWSDESK_SIGNUP_MIN_RESPONSE_S", "0")
    monkeypatch.chdir(tmp_path)
    reset_settings()
    reset_engine()
    signup_throttle.cache_clear()  # per-process signup counts must not leak between tests
    yield tmp_path
    reset_engine()
    reset_settings()


def _fresh_schema(url: str) -> None:
    engine = sa.create_engine(url)
    if url.startswith("postgresql"):
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    SQLModel.metadata.create_all(engine)
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(
    request: pytest.FixtureRequest, configured: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """A fresh, empty database of each kind, wired into settings."""
    url = f"sqlite:///{configured}/test.sqlite3" if request.param == "sqlite" else postgres_url()
    _fresh_schema(url)
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", url)
    reset_settings()
    reset_engine()
    return url


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    """A session on the fresh database; the test commits what it needs."""
    from service.db import get_engine

    with Session(get_engine(), expire_on_commit=False) as s:
        yield s
