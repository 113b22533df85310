"""A live stack for end-to-end tests: PostgreSQL, Redis, a real Celery worker, an SMTP sink."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

from service.db import reset_engine
from service.demo.capture import MailCapture
from service.demo.run import start_worker, stop_worker
from service.mail.dkim_keys import write_demo_key
from service.migrate import upgrade
from service.settings import reset_settings
from tests.conftest import TEST_SECRET

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class LiveStack:
    """Handles on the running parts."""

    env: dict[str, str]
    capture: MailCapture
    var_dir: Path
    dkim_record: Path
    worker: subprocess.Popen[bytes]

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run `newsdesk ARGS` against this stack."""
        return subprocess.run(
            [sys.executable, "-m", "service.cli", *args],
            cwd=ROOT,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=60,
        )


def wait_for(predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll until predicate() is true or fail naming what was awaited."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


def reset_postgres(url: str) -> None:
    """Empty the public schema so migrations start from nothing."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


@contextmanager
def live_stack(
    tmp_path: Path,
    *,
    database_url: str,
    broker_url: str,
    smtp_delay_s: float = 0.0,
    workers: int = 2,
    extra_env: dict[str, str] | None = None,
    queues: str = "assemble,send,inbound,default",
) -> Iterator[LiveStack]:
    """Migrate a fresh database, start an SMTP sink and a worker with embedded beat."""
    if broker_url.startswith("redis"):
        redis.Redis.from_url(broker_url).flushdb()  # no stale tasks from an earlier run
    if database_url.startswith("postgresql"):
        reset_postgres(database_url)
    key, record = write_demo_key(tmp_path, selector="nd2026", domain="news.partnership.example.org")
    with MailCapture(tmp_path / "maildir", delay_s=smtp_delay_s) as capture:
        env = {
            "NEWSDESK_DATABASE_URL": database_url,
            "NEWSDESK_BROKER_URL": broker_url,
            "NEWSDESK_BROKER_DIR": str(tmp_path / "broker"),
            "NEWSDESK_SECRET_KEY": TEST_SECRET,
            "NEWSDESK_SMTP_URL": f"smtp://127.0.0.1:{capture.port}",
            "NEWSDESK_SCAN_INTERVAL_S": "0.3",
            "NEWSDESK_SEND_BATCH_SIZE": "100",
            "NEWSDESK_DKIM_PRIVATE_KEY_PATH": str(key),
            **(extra_env or {}),
        }
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        reset_settings()
        reset_engine()
        upgrade()
        stack = LiveStack(
            env,
            capture,
            tmp_path,
            record,
            start_worker(tmp_path, env, concurrency=workers, queues=queues),
        )
        try:
            yield stack
        finally:
            stop_worker(stack.worker)
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            reset_engine()
            reset_settings()
