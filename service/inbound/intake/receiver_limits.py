"""Limits of the inbound SMTP receiver: connections (total and per client), recipients per
message, messages per client per minute (issue 15, finding 14). The receiver's addresses are
public; one client must not be able to hold every connection or flood the store."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from service.settings import Settings


class ReceiverLimits:
    """Per-process counters (the receiver is one process with one event loop)."""

    def __init__(self, settings: Settings) -> None:
        self.max_connections = settings.inbound_max_connections
        self.max_per_client = settings.inbound_max_connections_per_client
        self.max_recipients = settings.inbound_max_recipients
        self.per_minute = settings.inbound_messages_per_client_per_minute
        # our own MTA relaying to the receiver: every message comes from its address
        self.trusted = set(settings.inbound_trusted_clients)
        self.active: dict[str, int] = defaultdict(int)
        self.sent: dict[str, deque[float]] = defaultdict(deque)
        self.lock = threading.Lock()

    def admit(self, client: str) -> bool:
        """Count a new connection; False (not counted) when over a limit."""
        with self.lock:
            if sum(self.active.values()) >= self.max_connections:
                return False
            if self.active[client] >= self.max_per_client and client not in self.trusted:
                return False
            self.active[client] += 1
            return True

    def release(self, client: str) -> None:
        """A counted connection ended."""
        with self.lock:
            self.active[client] -= 1
            if self.active[client] <= 0:
                del self.active[client]

    def message_allowed(self, client: str, *, now: float | None = None) -> bool:
        """One more message from this client within the sliding minute?"""
        now = time.monotonic() if now is None else now
        if client in self.trusted:
            return True
        with self.lock:
            window = self.sent[client]
            while window and now - window[0] > 60.0:
                window.popleft()
            if len(window) >= self.per_minute:
                return False
            window.append(now)
            return True
