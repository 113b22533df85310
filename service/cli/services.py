"""`newsdesk worker|beat|api`: run the long-lived services, each in this very process."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from service.cli.support import fail


def worker(
    concurrency: Annotated[int, typer.Option("-c", "--concurrency")] = 2,
    queues: str = "assemble,send,track,inbound,default",
    loglevel: str = "INFO",
    metrics_port: Annotated[
        int, typer.Option(help="serve Prometheus metrics of all pool processes here (0: off)")
    ] = 0,
) -> None:
    """Run a Celery worker (all queues by default) in this process; SIGTERM = warm shutdown."""
    # A node name per process, so two workers on one host are two nodes (no mingle clash).
    name = f"newsdesk-{os.getpid()}@%h"
    if metrics_port:
        from service.metrics import fresh_multiproc_dir
        from service.settings import get_settings

        folder = get_settings().metrics_dir.resolve() / f"worker-{metrics_port}"
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(fresh_multiproc_dir(folder))
        os.environ["NEWSDESK_WORKER_METRICS_PORT"] = str(metrics_port)
    _schema_ready()
    _celery(["worker", "-c", str(concurrency), "-Q", queues, "-n", name, "--loglevel", loglevel])


def beat(
    schedule: Annotated[Path, typer.Option(help="beat's schedule file (must be writable)")] = Path(
        "celerybeat-schedule"
    ),
    loglevel: str = "INFO",
    wait: Annotated[
        bool, typer.Option(help="Wait as a standby while another beat holds the lock.")
    ] = True,
) -> None:
    """Run Celery beat (starts due campaigns, recovers stalled ones) in this process; one only.

    The lock is taken by beat itself, on start (workers.celery_app: beat_init)."""
    if not wait:
        os.environ["NEWSDESK_BEAT_STANDBY"] = "false"  # read by the beat we exec into
    _celery(["beat", "-s", str(schedule), "--loglevel", loglevel])


def _celery(args: list[str]) -> None:
    """Become Celery (exec, same PID): SIGTERM reaches it directly, no child is left behind."""
    argv = [sys.executable, "-m", "celery", "-A", "workers.celery_app:celery_app", *args]
    sys.stdout.flush()
    os.execv(sys.executable, argv)


def api(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes")] = 1,
    proxy_headers: Annotated[
        bool,
        typer.Option(
            help="Trust X-Forwarded-For/-Proto from FORWARDED_ALLOW_IPS (the proxy's address); "
            "without it, behind a proxy every client is the proxy and per-IP limits are global."
        ),
    ] = False,
    forwarded_allow_ips: Annotated[
        str | None, typer.Option(envvar="FORWARDED_ALLOW_IPS", help="proxies to trust")
    ] = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs)."""
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    from service.http_server import protocol_path
    from service.logs import uvicorn_log_config
    from service.settings import get_settings

    _schema_ready()
    json_logs = get_settings().log_format == "json"
    uvicorn.run(
        "service.api.app:app", host=host, port=port, workers=workers,
        proxy_headers=proxy_headers, forwarded_allow_ips=forwarded_allow_ips,
        log_config=uvicorn_log_config() if json_logs else LOGGING_CONFIG,
        # idle keep-alive connections closed soon; header size and read time bounded (issue 15,
        # finding 4): the protocol closes a connection whose request head is late (slowloris)
        timeout_keep_alive=5, h11_max_incomplete_event_size=16 * 1024, http=protocol_path(),
    )  # fmt: skip


def _schema_ready() -> None:
    """API and workers refuse a database behind the code; the embedded one migrates itself."""
    from service.deliverability.startup import warn_about_alignment
    from service.migrate import SchemaBehind, ensure_schema
    from service.settings import get_settings

    warn_about_alignment(get_settings())  # production: loud, but no refusal (issue 14, A3)
    try:
        ensure_schema(embedded=get_settings().database_url.startswith("sqlite"))
    except SchemaBehind as exc:
        raise fail(str(exc)) from None
