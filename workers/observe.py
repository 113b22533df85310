"""Worker-side observability: task latencies into Prometheus, and the worker's /metrics server."""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from celery.signals import (
    after_setup_logger,
    after_setup_task_logger,
    task_postrun,
    task_prerun,
    worker_init,
)

from service.logs import log_context, use_json
from service.metrics import TASK_SECONDS
from service.settings import get_settings

log = logging.getLogger(__name__)
_started: dict[str, float] = {}  # task id -> perf_counter at start (per pool process)


# The first positional argument names what a task is about (tasks take ids, never objects).
FIRST_ARG = {
    "newsdesk.fan_out": "campaign_id",
    "newsdesk.send_batch": "campaign_id",
    "newsdesk.resume": "campaign_id",
    "newsdesk.process_inbound": "inbound_message_id",
}


@after_setup_logger.connect
@after_setup_task_logger.connect
def _json_logs(logger: logging.Logger | None = None, **_: Any) -> None:
    """NEWSDESK_LOG_FORMAT=json: Celery's handlers write JSON lines."""
    if logger is not None and get_settings().log_format == "json":
        use_json(logger)


@task_prerun.connect
def _task_started(task_id: str | None = None, task: Any = None, args: Any = None, **_: Any) -> None:
    if task_id:
        _started[task_id] = time.perf_counter()
    name = getattr(task, "name", "")
    context: dict[str, Any] = {"task": name, "task_id": task_id}
    if name in FIRST_ARG and args:
        context[FIRST_ARG[name]] = args[0]
    log_context.set(context)


@task_postrun.connect
def _task_finished(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    log_context.set(None)
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
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # prometheus_client: untyped
    start_http_server(port, registry=registry)
    log.info("worker metrics on :%d/metrics", port)
