"""The one place outside workers/tasks that publishes Celery messages: one function per kind.

Entry points (service/api, service/cli, later service/web) call these after their commit;
nothing else in service/ imports workers. Tasks are imported inside the functions so that
importing this module does not build the Celery app.
"""

from __future__ import annotations

from typing import Any


def redispatch_campaign(campaign_id: int) -> None:
    """Re-enqueue the unsent work of a resumed campaign."""
    from workers.tasks.campaigns import redispatch

    redispatch.delay(campaign_id)


def after_campaign_action(campaign_id: int, action: str) -> None:
    """What a committed campaign action publishes: the one resume path of API, web and CLI
    (a resumed campaign's unsent work is enqueued again; other actions publish nothing)."""
    if action == "resume":
        redispatch_campaign(campaign_id)


def import_subscribers(job_id: int) -> None:
    """Import an uploaded subscriber file (the job row was committed first)."""
    from workers.tasks.audience import import_subscribers as task

    task.delay(job_id)


def process_inbound(message_id: int) -> None:
    """Process a stored inbound message in a worker."""
    from workers.tasks.inbound import process_inbound_message

    process_inbound_message.delay(message_id)


def replay_task(task: str, *, args: list[Any], kwargs: dict[str, Any]) -> None:
    """Send a recorded task again by name, with the arguments it failed with (dead letters)."""
    from workers.celery_app import celery_app

    celery_app.send_task(task, args=args, kwargs=kwargs)


def signup_mail(msg: Any) -> None:
    """Hand a finished confirmation request (an EmailMessage) to a worker to deliver."""
    from workers.tasks.signup import queue_signup_mail

    queue_signup_mail(msg)


def send_inquiry_answers(entry_ids: list[int]) -> None:
    """Send answers queued in an inquiry's thread (the newsroom's answer box)."""
    from workers.tasks.inbox import send_inquiry_answers as task

    if entry_ids:
        task.delay(entry_ids)


def notify_inquiry_holders(inquiry_id: int) -> None:
    """Mail the hand-off to whoever holds an inquiry after a reassignment in the newsroom."""
    from workers.tasks.inbox import notify_inquiry_holders as task

    task.delay(inquiry_id)


def run_sunset(now: str | None = None) -> None:
    """Run the daily sunset task now (the CLI; `now` ISO 8601 for a catch-up run)."""
    from workers.tasks.maintenance import sunset

    sunset.delay(now)


def send_deliveries(campaign_id: int, first_id: int, last_id: int) -> None:
    """Send one range of queued deliveries (welcome steps queued by the CLI's tick)."""
    from workers.tasks.campaigns import send_batch

    send_batch.delay(campaign_id, first_id, last_id)
