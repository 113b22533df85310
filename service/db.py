"""Engine and session scope; the entry point owns the transaction, data access only flushes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from service.settings import get_settings

_engine: Engine | None = None
_engine_pid: int | None = None


def make_engine(url: str) -> Engine:
    """Create an engine tuned for the backend behind the URL."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """WAL lets the API, beat and workers read while one of them writes."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
    # PostgreSQL's bit_or aggregate (campaigns/history.py: what a subscriber already got)
    dbapi_conn.create_aggregate("bit_or", 1, _BitOr)


class _BitOr:
    """bit_or(x) for SQLite."""

    def __init__(self) -> None:
        self.value: int | None = None

    def step(self, value: int | None) -> None:
        if value is not None:
            self.value = (self.value or 0) | int(value)

    def finalize(self) -> int | None:
        return self.value


def get_engine() -> Engine:
    """The process's engine; a forked child gets a fresh pool instead of its parent's sockets."""
    global _engine, _engine_pid
    if _engine is None or _engine_pid != os.getpid():
        if _engine is not None:
            _engine.dispose(close=False)
        _engine = make_engine(get_settings().database_url)
        _engine_pid = os.getpid()
    return _engine


def reset_engine() -> None:
    """Drop the cached engine (after settings change)."""
    global _engine, _engine_pid
    if _engine is not None:
        _engine.dispose()
    _engine, _engine_pid = None, None


@contextmanager
def session_scope() -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error."""
    session = Session(get_engine(), expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
