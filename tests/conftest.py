"""Shared fixtures: settings per test, real SQLite and PostgreSQL databases, service checks."""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
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


_SCHEMA_BUILT: set[str] = set()  # URLs whose schema this process built with create_all


def _schema_intact(conn: sa.Connection) -> bool:
    """The tables are exactly the models' (a migration test or a reset leaves others or none)."""
    return set(sa.inspect(conn).get_table_names()) == set(SQLModel.metadata.tables)


@functools.cache
def _sqlite_template() -> Path:
    """An empty SQLite database with the schema, built once per process; tests get copies."""
    path = Path(tempfile.mkdtemp(prefix="newsdesk-schema-")) / "template.sqlite3"
    engine = sa.create_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    return path


def _fresh_schema(url: str) -> None:
    """An empty database with the models' schema: built once per process and URL, then emptied.

    SQLite: a new file is a copy of a template built once.
    PostgreSQL: the first call drops and rebuilds the schema (create_all, with its triggers);
    later calls TRUNCATE every table (RESTART IDENTITY), which is far cheaper than DROP SCHEMA
    and create_all per test. Anything that changed the table set since (a migration test, a
    reset of the live stack) is noticed and the schema is built again. Live servers and workers
    see the committed, emptied tables, so tests that commit across processes keep working.
    """
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///") :]).exists():
        shutil.copyfile(_sqlite_template(), url[len("sqlite:///") :])  # a new file: copy
        return
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            if not url.startswith("postgresql"):
                pass  # an existing SQLite file: add what is missing, as before
            elif url in _SCHEMA_BUILT and _schema_intact(conn):
                names = ", ".join(f'"{t}"' for t in SQLModel.metadata.tables)
                conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                return
            else:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            SQLModel.metadata.create_all(conn)
            _SCHEMA_BUILT.add(url)
    finally:
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Property tests (hypothesis) are slow: `-m "not slow"` skips them locally; CI runs all."""
    for item in items:
        if getattr(getattr(item, "function", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.slow)
