"""Worker-side observability: task latencies into Prometheus, and the worker's /metrics server."""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from celery.signals import task_postrun, task_prerun, worker_init

from service.metrics import TASK_SECONDS

log = logging.getLogger(__name__)
_started: dict[str, float] = {}  # task id -> perf_counter at start (per pool process)


@task_prerun.connect
def _task_started(task_id: str | None = None, **_: Any) -> None:
    if task_id:
        _started[task_id] = time.perf_counter()


@task_postrun.connect
def _task_finished(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    started = _started.pop(task_id or "", None)
    if started is not None and task is not None:
        TASK_SECONDS.labels(task=task.name).observe(time.perf_counter() - started)


@worker_init.connect
def _serve_metrics(**_: Any) -> None:
    """The main process serves every pool process's counters (multiprocess mode) on the port
    `newsdesk worker --metrics-port` chose."""
    port = int(os.environ.get("NEWSDESK_WORKER_METRICS_PORT", "0"))
    if not port or not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    start_http_server(port, registry=registry)
    log.info("worker metrics on :%d/metrics", port)
