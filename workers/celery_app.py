"""The Celery app: queues per kind of work, beat schedule, broker from settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from celery import Celery
from celery.schedules import crontab
from celery.signals import beat_init, worker_process_init

from service.settings import Settings, get_settings
from workers.beat_lock import hold_beat_lock
from workers.fs_broker import register as register_fs_broker
from workers.observe import _serve_metrics  # noqa: F401 - connects the metrics signal handlers

QUEUES = ("assemble", "send", "track", "inbound", "default")


def broker_options(settings: Settings) -> dict[str, Any]:
    """Transport options; the embedded filesystem broker needs its folders to exist."""
    if not settings.broker_url.startswith("filesystem"):
        return {"visibility_timeout": 3600}
    root = Path(settings.broker_dir).resolve()
    folders = {
        "queue": root / "queue",
        "processed": root / "processed",
        "control": root / "control",
        "staging": root / "staging",
        "claimed": root / "claimed",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folders["queue"]),
        "data_folder_out": str(folders["queue"]),
        "processed_folder": str(folders["processed"]),
        "control_folder": str(folders["control"]),
        "staging_folder": str(folders["staging"]),
        "claimed_folder": str(folders["claimed"]),
        "store_processed": False,
        "polling_interval": 0.05,
    }


def broker_url(settings: Settings) -> str:
    """filesystem:// means Newsdesk's own atomic filesystem transport (see workers.fs_broker)."""
    if settings.broker_url.startswith("filesystem"):
        return f"{register_fs_broker()}://"
    return settings.broker_url


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """Periodic tasks; every tick expires, so ticks queued while no worker ran do not pile up."""
    every = {
        "scan-due-campaigns": ("newsdesk.scan_due", settings.scan_interval_s),
        "ingest-tracking-events": ("newsdesk.ingest_tracking", settings.tracking_ingest_interval_s),
        "deliver-webhooks": ("newsdesk.deliver_webhooks", 10.0),
        "sweep-inbound": ("newsdesk.sweep_inbound", 30.0),
        # response targets: idempotent (each step stamped once), so a missed tick is harmless
        "inbox-clock": ("newsdesk.inbox_clock", settings.inbox_clock_interval_s),
        # triggers, due digests and welcome steps; partner feeds into drafts
        "automation-tick": ("newsdesk.automation_tick", settings.automation_interval_s),
        "fetch-partner-feeds": ("newsdesk.fetch_feeds", settings.feed_interval_s),
    }
    # A tick nobody picked up within a few periods is redundant: the next one does the same.
    schedule: dict[str, dict[str, Any]] = {
        name: {"task": task, "schedule": period, "options": {"expires": max(period * 5, 10.0)}}
        for name, (task, period) in every.items()
    }
    daily = {
        "daily-upkeep": ("newsdesk.daily_upkeep", crontab(hour=3, minute=17)),
        # F3: bounce notices are counted in calendar days, so once a day is enough
        "bounce-notices": ("newsdesk.bounce_notices", crontab(hour=3, minute=47)),
        # F6: re-permission mail, then sunset after the grace period (off unless SUNSET_ENABLED)
        "sunset": ("newsdesk.sunset", crontab(hour=4, minute=7)),
    }
    for name, (task, when) in daily.items():
        schedule[name] = {"task": task, "schedule": when, "options": {"expires": 3600.0}}
    return schedule


def make_celery(settings: Settings | None = None) -> Celery:
    """Build the app from settings (tests and the demo build their own)."""
    settings = settings or get_settings()
    app = Celery(
        "newsdesk",
        broker=broker_url(settings),
        include=[
            "workers.tasks.automation",
            "workers.tasks.audience",
            "workers.tasks.campaigns",
            "workers.tasks.inbound",
            "workers.tasks.inbox",
            "workers.tasks.maintenance",
            "workers.tasks.signup",
            "workers.tasks.tracking",
        ],
    )
    app.conf.update(
        broker_transport_options=broker_options(settings),
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_default_queue="default",
        task_routes={
            "newsdesk.fan_out": {"queue": "assemble"},
            "newsdesk.send_batch": {"queue": "send"},
            "newsdesk.scan_due": {"queue": "default"},
            "newsdesk.automation_tick": {"queue": "default"},
            "newsdesk.fetch_feeds": {"queue": "default"},
            "newsdesk.process_inbound": {"queue": "inbound"},
            "newsdesk.send_inquiry_answers": {"queue": "inbound"},
            "newsdesk.inbox_clock": {"queue": "inbound"},
            "newsdesk.notify_inquiry_holders": {"queue": "inbound"},
            "newsdesk.sweep_inbound": {"queue": "inbound"},
            "newsdesk.ingest_tracking": {"queue": "track"},
            "newsdesk.deliver_webhooks": {"queue": "track"},
        },
        # Send tasks are idempotent (claim, send, mark), so a lost worker's task may run again.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        beat_schedule=beat_schedule(settings),
        # A stuck task is stopped (soft: SoftTimeLimitExceeded inside it, then hard: killed);
        # claimed rows it leaves return to the queue after STALE_CLAIM_S.
        task_soft_time_limit=settings.task_soft_time_limit_s,
        task_time_limit=settings.task_soft_time_limit_s + 60,
        worker_max_tasks_per_child=settings.worker_max_tasks_per_child,
        timezone="UTC",
    )
    return app


celery_app = make_celery()


@worker_process_init.connect
def _fresh_engine_after_fork(**_: Any) -> None:
    """A forked worker must not share its parent's database sockets."""
    from service.db import reset_engine

    reset_engine()


_beat_lease: list[object] = []  # held for the life of the beat process


@beat_init.connect
def _only_one_beat(**_: Any) -> None:
    """Take the beat lock before the first tick (a standby waits here; see workers.beat_lock)."""
    settings = get_settings()
    lock_file = Path(settings.broker_dir).resolve() / "beat.lock"
    _beat_lease.append(hold_beat_lock(settings, lock_file, wait=settings.beat_standby))
