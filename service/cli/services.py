"""`newsdesk worker|beat|api`: run the long-lived services."""

from __future__ import annotations

import subprocess
import sys
from typing import Annotated

import typer


def worker(
    concurrency: Annotated[int, typer.Option("-c", "--concurrency")] = 2,
    queues: str = "assemble,send,track,inbound,default",
) -> None:
    """Run a Celery worker (all queues by default)."""
    _celery(["worker", "-c", str(concurrency), "-Q", queues, "--loglevel", "INFO"])


def beat() -> None:
    """Run Celery beat (starts due campaigns, recovers stalled ones)."""
    _celery(["beat", "--loglevel", "INFO"])


def _celery(args: list[str]) -> None:
    raise typer.Exit(
        subprocess.call(
            [sys.executable, "-m", "celery", "-A", "workers.celery_app:celery_app", *args]
        )
    )


def api(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs)."""
    import uvicorn

    uvicorn.run("service.api.app:app", host=host, port=port)
