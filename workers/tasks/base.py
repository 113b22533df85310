"""Base task: anything unexpected lands in the dead-letter table with its arguments."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from celery import Task

from service.db import session_scope
from service.models import DeadLetter

log = logging.getLogger(__name__)


class NewsdeskTask(Task):  # type: ignore[misc]
    """Record failures so nothing unexpected is dropped silently; `newsdesk deadletter replay`."""

    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        """Store the failed call for inspection and replay."""
        error = "".join(traceback.format_exception(exc))[-4000:]
        try:
            with session_scope() as session:
                session.add(
                    DeadLetter(
                        task=self.name, args={"args": list(args), "kwargs": kwargs}, error=error
                    )
                )
        except Exception:  # the database itself may be what failed
            log.exception("could not record dead letter for %s %s", self.name, args)
