"""A bounded window of sends in flight, on this process's sender threads.

The send task's own thread claims, builds and signs (RSA in `cryptography` holds the GIL, so
more threads would not sign faster) and marks every outcome; the sender threads only wait on
the relay (smtplib releases the GIL on socket waits). At most `size` messages are ever sent but
not yet marked, which is the crash bound: a kill -9 can resend at most that many per process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Generic, TypeVar

from service.mail.compose import OutgoingMessage
from service.mail.smtp_pool import SendOutcome, SendResult

T = TypeVar("T")
Done = tuple[T, OutgoingMessage, SendResult]

_EXECUTOR: tuple[int, int, ThreadPoolExecutor] | None = None
_LOCK = threading.Lock()


def executor(size: int) -> ThreadPoolExecutor:
    """This process's sender threads (a forked worker starts its own)."""
    global _EXECUTOR
    with _LOCK:
        if _EXECUTOR is None or _EXECUTOR[:2] != (os.getpid(), size):
            _EXECUTOR = (os.getpid(), size, ThreadPoolExecutor(size, thread_name_prefix="smtp"))
        return _EXECUTOR[2]


def guarded(send: Callable[[OutgoingMessage], SendResult], message: OutgoingMessage) -> SendResult:
    """Any unexpected error becomes a TEMPORARY result, so the window can still be marked."""
    try:
        return send(message)
    except Exception as exc:  # recorded on the delivery, retried, counted: never lost
        return SendResult(SendOutcome.TEMPORARY, f"unexpected send error: {exc!r}")


class Window(Generic[T]):
    """Submit sends; get back the finished ones (to mark) without ever exceeding `size`."""

    def __init__(self, send: Callable[[OutgoingMessage], SendResult], size: int) -> None:
        self.send, self.size = send, size
        self.pool = executor(size) if size > 1 else None
        self.pending: dict[Future[SendResult], tuple[T, OutgoingMessage]] = {}

    def submit(self, item: T, message: OutgoingMessage) -> list[Done[T]]:
        """Start one send; returns every send that has finished meanwhile (maybe none)."""
        if self.pool is None:
            return [(item, message, guarded(self.send, message))]
        finished = self.finished(block=len(self.pending) >= self.size)
        self.pending[self.pool.submit(guarded, self.send, message)] = (item, message)
        return finished

    def finished(self, *, block: bool = False) -> list[Done[T]]:
        """The sends that are done (waiting for at least one when `block`)."""
        if block and self.pending:
            wait(self.pending, return_when=FIRST_COMPLETED)
        done = [f for f in self.pending if f.done()]
        return [(*self.pending.pop(f), f.result()) for f in done]

    def drain(self) -> list[Done[T]]:
        """Wait for every send in flight."""
        if self.pending:
            wait(self.pending)
        return self.finished()

    def __len__(self) -> int:
        return len(self.pending)
