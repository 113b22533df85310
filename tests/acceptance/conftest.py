"""Fixtures for the acceptance suite: the installed wheel, a fresh database, the running stack."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.acceptance.installed import Installed, build_wheel, install
from tests.acceptance.stack import Stack, running_stack


def _required(name: str, variable: str) -> str:
    """The service URL, or skip locally / fail under CI=true (as tests/conftest.py does)."""
    url = os.environ.get(variable)
    if url:
        return url
    message = f"{name} is required: {variable} is not set"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def fresh_database(base_url: str, suffix: str) -> str:
    """Drop and create `<test database>_<suffix>` on the test server; return its URL."""
    import psycopg

    parts = urlsplit(base_url)
    name = f"{parts.path.lstrip('/')}_{suffix}"
    admin = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


@pytest.fixture(scope="session")
def installed() -> Iterator[Installed]:
    """This checkout as a wheel, installed non-editable (built once per test session)."""
    with _own_dir("dist") as dist:
        yield install(build_wheel(dist))


@contextmanager
def _own_dir(name: str) -> Iterator[Path]:
    """A private folder: pytest's basetemp rotation (shared by every run as this user) would
    delete the working directories of processes still running in another session."""
    path = Path(tempfile.mkdtemp(prefix=f"newsdesk-acc-{name}-"))
    try:
        yield path
    finally:
        if not os.environ.get("NEWSDESK_ACCEPTANCE_KEEP"):
            shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def workdir() -> Iterator[Path]:
    """Working directories and logs of one test's processes (kept with NEWSDESK_ACCEPTANCE_KEEP)."""
    with _own_dir("run") as path:
        yield path


@pytest.fixture
def database_url() -> str:
    """A brand-new, empty PostgreSQL database."""
    return fresh_database(_required("PostgreSQL", "NEWSDESK_TEST_DATABASE_URL"), "acceptance")


@pytest.fixture
def broker_url() -> str:
    """The test Redis database, emptied so no task of an earlier run is waiting."""
    import redis

    url = _required("Redis", "NEWSDESK_TEST_BROKER_URL")
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def stack(
    installed: Installed, workdir: Path, database_url: str, broker_url: str
) -> Iterator[Stack]:
    """api, 2 workers, beat and inbound serve, started like compose.yaml starts them."""
    with running_stack(
        installed, workdir, database_url=database_url, broker_url=broker_url,
        redis_url=broker_url, dkim_key=dkim_key(installed, workdir),
    ) as running:  # fmt: skip
        yield running


@pytest.fixture
def slow_relay_stack(
    installed: Installed, workdir: Path, database_url: str, broker_url: str
) -> Iterator[Stack]:
    """The production-shaped stack behind a relay that takes 50 ms per message."""
    with running_stack(
        installed, workdir, database_url=database_url, broker_url=broker_url,
        redis_url=broker_url, dkim_key=dkim_key(installed, workdir), smtp_delay_s=0.05,
    ) as running:  # fmt: skip
        yield running


@pytest.fixture
def embedded_stack(installed: Installed, workdir: Path) -> Iterator[Stack]:
    """The same processes on the embedded defaults: SQLite and the filesystem broker, no Redis."""
    with running_stack(
        installed, workdir, database_url=f"sqlite:///{workdir}/newsdesk.sqlite3",
        broker_url="filesystem://", redis_url=None, dkim_key=dkim_key(installed, workdir),
    ) as running:  # fmt: skip
        yield running


def dkim_key(installed: Installed, workdir: Path) -> Path:
    """`newsdesk dkim keygen` into the run's folder."""
    key = workdir / "dkim" / "private.pem"
    subprocess.run(
        [installed.newsdesk, "dkim", "keygen", "--out", str(key)],
        cwd=workdir, check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return key
