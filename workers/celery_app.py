"""The Celery app: queues per kind of work, beat schedule, broker from settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_process_init

from service.settings import Settings, get_settings

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
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folders["queue"]),
        "data_folder_out": str(folders["queue"]),
        "processed_folder": str(folders["processed"]),
        "control_folder": str(folders["control"]),
        "store_processed": False,
        "polling_interval": 0.05,
    }


def make_celery(settings: Settings | None = None) -> Celery:
    """Build the app from settings (tests and the demo build their own)."""
    settings = settings or get_settings()
    app = Celery(
        "newsdesk",
        broker=settings.broker_url,
        include=[
            "workers.tasks.automation",
            "workers.tasks.audience",
            "workers.tasks.campaigns",
            "workers.tasks.inbound",
            "workers.tasks.maintenance",
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
            "newsdesk.ingest_tracking": {"queue": "track"},
            "newsdesk.deliver_webhooks": {"queue": "track"},
        },
        # Send tasks are idempotent (claim, send, mark), so a lost worker's task may run again.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        beat_schedule={
            "scan-due-campaigns": {
                "task": "newsdesk.scan_due",
                "schedule": settings.scan_interval_s,
            },
            "daily-upkeep": {
                "task": "newsdesk.daily_upkeep",
                "schedule": crontab(hour=3, minute=17),
            },
            # F3: bounce notices are counted in calendar days, so once a day is enough
            "bounce-notices": {
                "task": "newsdesk.bounce_notices",
                "schedule": crontab(hour=3, minute=47),
            },
            "ingest-tracking-events": {
                "task": "newsdesk.ingest_tracking",
                "schedule": settings.tracking_ingest_interval_s,
                # a tick nobody picked up in time is redundant: the next one drains the same stream
                "options": {"expires": settings.tracking_ingest_interval_s * 5},
            },
            "deliver-webhooks": {"task": "newsdesk.deliver_webhooks", "schedule": 10.0},
            # triggers, due digests and welcome steps; a late tick is redundant with the next
            "automation-tick": {
                "task": "newsdesk.automation_tick",
                "schedule": settings.automation_interval_s,
                "options": {"expires": settings.automation_interval_s * 4},
            },
            "fetch-partner-feeds": {
                "task": "newsdesk.fetch_feeds",
                "schedule": settings.feed_interval_s,
                "options": {"expires": settings.feed_interval_s},
            },
        },
        timezone="UTC",
    )
    return app


celery_app = make_celery()


@worker_process_init.connect
def _fresh_engine_after_fork(**_: Any) -> None:
    """A forked worker must not share its parent's database sockets."""
    from service.db import reset_engine

    reset_engine()
