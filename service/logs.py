"""Structured logs: one JSON object per line, with the campaign, delivery and task in context.

`NEWSDESK_LOG_FORMAT=json` switches the API, the workers and beat to it. Ids come from the
record's `extra` or from `log_context`, which the worker sets for the task it runs (so Celery's
own "Task ... succeeded" line carries the campaign it was about).
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

log_context: ContextVar[dict[str, Any] | None] = ContextVar("newsdesk_log_context", default=None)
CONTEXT_KEYS = ("campaign_id", "delivery_id", "subscriber_id", "inbound_message_id", "task",
                "task_id")  # fmt: skip


class JsonFormatter(logging.Formatter):
    """{"ts", "level", "logger", "msg", ids..., "exc"} per record."""

    def format(self, record: logging.LogRecord) -> str:
        """One line of JSON."""
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "pid": record.process,
        }
        entry.update(log_context.get() or {})
        entry.update({k: getattr(record, k) for k in CONTEXT_KEYS if hasattr(record, k)})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def use_json(logger: logging.Logger | None = None) -> None:
    """Give every handler of `logger` (default: root) the JSON formatter."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        handler.setFormatter(JsonFormatter())


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's logging config with every formatter replaced by JsonFormatter."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = json.loads(json.dumps(LOGGING_CONFIG))
    for name in config["formatters"]:
        config["formatters"][name] = {"()": f"{__name__}.JsonFormatter"}
    return config
