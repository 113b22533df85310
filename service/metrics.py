"""Prometheus metrics: counters the workers bump, and backlog gauges read at scrape time.

Workers are prefork pools, so their counters use prometheus_client's multiprocess mode
(PROMETHEUS_MULTIPROC_DIR, set by `newsdesk worker`); the worker's main process serves them
on --metrics-port. The API serves /metrics: its own process's counters plus the backlogs
(queue depths, tracking buffer, unprocessed inbound mail), which any process can read.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

MESSAGES = Counter(
    "newsdesk_messages_total", "Campaign messages by relay and outcome", ["relay", "outcome"]
)
INBOUND = Counter("newsdesk_inbound_processed_total", "Inbound messages processed", ["kind"])
TASK_SECONDS = Histogram(
    "newsdesk_task_seconds", "Celery task run time", ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300),
)  # fmt: skip
QUEUES = ("assemble", "send", "track", "inbound", "default")


def count_message(relay: str | None, outcome: str) -> None:
    """One campaign message handed to (or refused by) a relay."""
    MESSAGES.labels(relay=relay or "none", outcome=outcome).inc()


def exposition(backlog: BacklogCollector | None = None) -> bytes:
    """The text Prometheus scrapes: counters (of every pool process in multiprocess mode, else
    of this process) followed by the backlog gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # prometheus_client: untyped
        text = generate_latest(registry)
    else:
        from prometheus_client import REGISTRY

        text = generate_latest(REGISTRY)
    if backlog is not None:
        gauges = CollectorRegistry()
        gauges.register(backlog)
        text += generate_latest(gauges)
    return text


class BacklogCollector:
    """Gauges computed when scraped: how much work waits, and where."""

    def __init__(self, readers: dict[str, Callable[[], dict[str, float]]]) -> None:
        self.readers = readers  # metric name -> function returning {label value: number}

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """One gauge family per reader; a reader that fails reports nothing (not a 500)."""
        for name, (label, read, doc) in _families(self.readers).items():
            family = GaugeMetricFamily(name, doc, labels=[label] if label else [])
            try:
                values = read()
            except Exception:
                continue
            for key, value in values.items():
                family.add_metric([key] if label else [], value)
            yield family


def _families(
    readers: dict[str, Callable[[], dict[str, float]]],
) -> dict[str, tuple[str | None, Callable[[], dict[str, float]], str]]:
    docs = {
        "newsdesk_queue_depth": ("queue", "Celery messages waiting per queue"),
        "newsdesk_tracking_backlog": (None, "Opens/clicks buffered in Redis, not yet ingested"),
        "newsdesk_inbound_unprocessed": (None, "Stored inbound mail not yet processed"),
    }
    return {n: (docs[n][0], r, docs[n][1]) for n, r in readers.items()}


def fresh_multiproc_dir(path: Path) -> Path:
    """An empty folder for one worker's multiprocess files (old files would double-count)."""
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob("*.db"):
        old.unlink()
    return path
