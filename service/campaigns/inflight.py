"""A bounded window of sends in flight, on this process's sender threads.

The send task's own thread claims, builds and signs (RSA in `cryptography` holds the GIL, so
more threads would not sign faster) and marks every outcome; the sender threads only wait on
the relay (smtplib releases the GIL on socket waits). At most `size` messages are ever sent but
not yet marked, which is the crash bound: a kill -9 can resend at most that many per process.

Jobs and results travel through C-level SimpleQueues (cheaper than futures and `wait()`, which
re-arms a waiter on every pending future per call), and the GIL switch interval is lowered to
1 ms so a sender thread whose reply arrived is not kept waiting 5 ms by the signing thread.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from service.mail.compose import OutgoingMessage
from service.mail.smtp_pool import SendOutcome, SendResult

T = TypeVar("T")
Done = tuple[T, OutgoingMessage, SendResult]
Send = Callable[[OutgoingMessage], SendResult]
SWITCH_INTERVAL_S = 0.001

_JOBS: tuple[int, queue.SimpleQueue[Any]] | None = None
_THREADS = 0
_LOCK = threading.Lock()


def _jobs(size: int) -> queue.SimpleQueue[Any]:
    """This process's job queue, with at least `size` sender threads (a fork starts afresh)."""
    global _JOBS, _THREADS
    with _LOCK:
        if _JOBS is None or _JOBS[0] != os.getpid():
            _JOBS, _THREADS = (os.getpid(), queue.SimpleQueue()), 0
            sys.setswitchinterval(SWITCH_INTERVAL_S)
        while size > _THREADS:
            threading.Thread(target=_sender, args=(_JOBS[1],), name="smtp", daemon=True).start()
            _THREADS += 1
        return _JOBS[1]


def _sender(jobs: queue.SimpleQueue[Any]) -> None:
    """One sender thread: take a job, send, hand the result back to its window."""
    while True:
        send, item, message, results = jobs.get()
        results.put((item, message, guarded(send, message)))


def guarded(send: Send, message: OutgoingMessage) -> SendResult:
    """Any unexpected error becomes a TEMPORARY result, so the window can still be marked."""
    try:
        return send(message)
    except Exception as exc:  # recorded on the delivery, retried, counted: never lost
        return SendResult(SendOutcome.TEMPORARY, f"unexpected send error: {exc!r}")


class Window(Generic[T]):
    """Submit sends; get back the finished ones (to mark) without ever exceeding `size`."""

    def __init__(self, send: Send, size: int) -> None:
        self.send, self.size = send, size
        self.jobs = _jobs(size) if size > 1 else None
        self.results: queue.SimpleQueue[Done[T]] = queue.SimpleQueue()
        self.pending = 0

    def submit(self, item: T, message: OutgoingMessage) -> list[Done[T]]:
        """Start one send; returns every send that has finished meanwhile (maybe none)."""
        if self.jobs is None:
            return [(item, message, guarded(self.send, message))]
        finished = self.finished(block=self.pending >= self.size)
        self.jobs.put((self.send, item, message, self.results))
        self.pending += 1
        return finished

    def finished(self, *, block: bool = False) -> list[Done[T]]:
        """The sends that are done (waiting for at least one when `block`)."""
        done: list[Done[T]] = []
        if block and self.pending:
            done.append(self.results.get())
        while True:
            try:
                done.append(self.results.get_nowait())
            except queue.Empty:
                break
        self.pending -= len(done)
        return done

    def drain(self) -> list[Done[T]]:
        """Wait for every send in flight."""
        done = self.finished()
        while self.pending:
            done += self.finished(block=True)
        return done

    def __len__(self) -> int:
        return self.pending
