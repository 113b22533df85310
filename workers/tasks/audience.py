"""Audience work on the workers: imports started from the newsroom."""

from __future__ import annotations

from service.audience.import_jobs import run_job
from workers.celery_app import celery_app
from workers.tasks.base import NewsdeskTask


@celery_app.task(name="newsdesk.import_subscribers", base=NewsdeskTask)
def import_subscribers(job_id: int) -> dict[str, object]:
    """Import one uploaded file; progress and outcome are on the job row."""
    job = run_job(job_id)
    return {"job": job_id, "status": job.status, "rows": job.rows_done}
