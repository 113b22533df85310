"""Run the demo campaign end to end: fresh database, real worker, Maildir capture, summary."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import col

from service.campaigns.authoring import schedule
from service.campaigns.dispatch import status_counts
from service.db import reset_engine, session_scope
from service.demo.accounts import DemoAccount, create_demo_accounts
from service.demo.capture import MailCapture
from service.demo.seed import DemoSummary, seed
from service.mail.dkim_keys import write_demo_key
from service.migrate import upgrade
from service.models import Announcement, Campaign, Delivery, Edition
from service.settings import Settings, get_settings, reset_settings

ROOT = Path(__file__).resolve().parents[2]


class WorkerDied(RuntimeError):
    """The demo's worker process stopped before the campaign finished."""


@dataclass(frozen=True)
class EditionRow:
    """One line of the summary table."""

    key: str
    language: str
    announcements: tuple[str, ...]  # slugs, in edition order
    recipients: int
    delivered: int


@dataclass(frozen=True)
class DemoResult:
    """What the demo did and where to look."""

    seeded: DemoSummary
    announcements: tuple[str, ...]  # every announcement slug, by priority
    status: str
    editions: list[EditionRow]
    delivered: int
    captured: int
    maildir: Path
    dkim_record: Path
    seconds: float
    accounts: list[DemoAccount] = field(default_factory=list)  # newsroom logins, one per role


def demo_environment(
    var_dir: Path, smtp_port: int, dkim_key: Path, public_url: str
) -> dict[str, str]:
    """Settings for the demo, as environment for this process and the worker it starts."""
    return {
        "NEWSDESK_PUBLIC_URL": public_url,  # where `demo` then serves, so every mail link works
        "NEWSDESK_DEMO_MODE": "true",
        "NEWSDESK_DATABASE_URL": f"sqlite:///{var_dir}/newsdesk.sqlite3",
        "NEWSDESK_BROKER_URL": "filesystem://",
        "NEWSDESK_BROKER_DIR": str(var_dir / "broker"),
        "NEWSDESK_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "NEWSDESK_SCAN_INTERVAL_S": "0.5",
        "NEWSDESK_SEND_BATCH_SIZE": "50",
        "NEWSDESK_DKIM_PRIVATE_KEY_PATH": str(dkim_key),
        # "(demo)" marks the demo's mail and pages only, never a real deployment's defaults.
        "NEWSDESK_ORG_LEGAL_NAME": f"{Settings.model_fields['org_legal_name'].default} (demo)",
    }


def start_worker(
    var_dir: Path,
    env: dict[str, str],
    concurrency: int = 2,
    *,
    beat: bool = True,
    queues: str = "assemble,send,inbound,default",
    name: str = "worker",
) -> subprocess.Popen[bytes]:
    """A real Celery worker (prefork), with embedded beat unless told otherwise."""
    command = [sys.executable, "-m", "celery", "-A", "workers.celery_app:celery_app", "worker"]
    if beat:
        command += ["-B", "-s", str(var_dir / "celerybeat-schedule")]
    command += ["-c", str(concurrency), "-Q", queues, "-n", f"{name}@%h"]
    command += ["--without-mingle", "--without-gossip", "--loglevel", "WARNING"]
    log = open(var_dir / f"{name}.log", "wb")  # noqa: SIM115 - lives as long as the worker
    # A session of its own, so a crash test can kill the main process and its pool together.
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def kill_worker(worker: subprocess.Popen[bytes]) -> None:
    """kill -9 the worker and every process of its pool at once (crash tests)."""
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    """Warm shutdown, then kill if it lingers."""
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def run_demo(
    var_dir: Path,
    *,
    subscribers: int = 360,
    public_url: str = "http://127.0.0.1:8000",
    timeout_s: float = 120.0,
    progress: Callable[[int, int], None] | None = None,
) -> DemoResult:
    """Seed a clean demo world, send its campaign through a real worker, and report."""
    started = time.monotonic()
    var_dir = var_dir.resolve()
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    with MailCapture(var_dir / "maildir") as capture:
        defaults = get_settings()
        # var/dkim/, beside the demo folder: the key outlives each clean demo run, so the DNS
        # record to publish stays the same.
        key, record = write_demo_key(
            var_dir.parent, selector=defaults.dkim_selector, domain=defaults.dkim_domain
        )
        env = demo_environment(var_dir, capture.port, key, public_url)
        os.environ.update(env)  # this entry point configures itself and its worker alike
        reset_settings()
        reset_engine()
        settings = get_settings()
        upgrade()
        with session_scope() as session:
            seeded = seed(session, secret=settings.secret_bytes, subscribers=subscribers)
            accounts = create_demo_accounts(session)
            schedule(session, campaign_id=seeded.campaign_id, send_at=None)
        worker = start_worker(var_dir, env)
        try:
            status = _wait_until_sent(seeded.campaign_id, timeout_s, progress, worker)
        finally:
            stop_worker(worker)
        editions = _edition_rows(seeded.campaign_id)
        delivered = sum(row.delivered for row in editions)
        return DemoResult(
            seeded,
            _announcement_slugs(),
            status,
            editions,
            delivered,
            len(capture.captured),
            var_dir / "maildir",
            record,
            time.monotonic() - started,
            accounts,
        )


def _wait_until_sent(
    campaign_id: int,
    timeout_s: float,
    progress: Callable[[int, int], None] | None,
    worker: subprocess.Popen[bytes],
) -> str:
    deadline = time.monotonic() + timeout_s
    status = "scheduled"
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise WorkerDied(f"the Celery worker exited with {worker.returncode}; see its log")
        with session_scope() as session:
            status = session.get(Campaign, campaign_id).status  # type: ignore[union-attr]
            counts = status_counts(session, campaign_id=campaign_id)
        if progress:
            progress(
                counts.get("sent", 0) + counts.get("failed", 0) + counts.get("skipped", 0),
                sum(counts.values()),
            )
        if status in ("sent", "cancelled", "paused"):
            return status
        time.sleep(0.2)
    return status


def _announcement_slugs() -> tuple[str, ...]:
    with session_scope() as session:
        query = sa.select(col(Announcement.slug)).order_by(col(Announcement.priority))
        return tuple(session.execute(query).scalars())


def _edition_rows(campaign_id: int) -> list[EditionRow]:
    with session_scope() as session:
        editions = (
            session.execute(sa.select(Edition).where(col(Edition.campaign_id) == campaign_id))
            .scalars()
            .all()
        )
        counts: dict[str, int] = dict(
            session.execute(
                sa.select(col(Delivery.edition_key), sa.func.count())
                .where(col(Delivery.campaign_id) == campaign_id)
                .group_by(col(Delivery.edition_key))
            ).all()
        )
        sent: dict[str, int] = dict(
            session.execute(
                sa.select(col(Delivery.edition_key), sa.func.count())
                .where(col(Delivery.campaign_id) == campaign_id, col(Delivery.status) == "sent")
                .group_by(col(Delivery.edition_key))
            ).all()
        )
        slugs = dict(session.execute(sa.select(col(Announcement.id), col(Announcement.slug))).all())
        return [
            EditionRow(
                e.key,
                e.language,
                tuple(slugs[i] for i in e.announcement_ids),
                counts.get(e.key, 0),
                sent.get(e.key, 0),
            )
            for e in sorted(editions, key=lambda e: (e.language, len(e.announcement_ids), e.key))
        ]
