"""Connection slots per relay: at most `cap` open connections, idle ones reused, waiters queued.

A relay that answers a new connection with 421 (too many connections from us, across all our
worker processes) shrinks this process's cap to what it already holds, so we wait for our own
connections instead of knocking again; the cap grows back by one each cool-down period.
"""

from __future__ import annotations

import smtplib
import threading
import time
from dataclasses import dataclass, field


class NoSlot(Exception):
    """No connection to this relay came free within the timeout."""


@dataclass
class Slots:
    """One relay's connections in this process."""

    limit: int
    cooldown_s: float
    idle: list[smtplib.SMTP] = field(default_factory=list)
    open: int = 0  # idle + in use + being opened
    cap: int = 0
    grow_at: float = 0.0
    refusals: int = 0  # 421s at connect, for the figures

    def __post_init__(self) -> None:
        self.cap = self.limit

    def current_cap(self, now: float) -> int:
        """The cap, grown back by one per cool-down since the last refusal."""
        if self.cap < self.limit and now >= self.grow_at:
            self.cap += 1
            self.grow_at = now + self.cooldown_s
        return self.cap

    def shrink(self, now: float) -> None:
        """The relay refused one more connection: hold at what is open now (at least one)."""
        self.refusals += 1
        self.cap = max(1, self.open)
        self.grow_at = now + self.cooldown_s


class SlotTable:
    """Slots for every relay, guarded by one condition (cheap: held only to pick or return)."""

    def __init__(self, limit: int, cooldown_s: float) -> None:
        self.limit, self.cooldown_s = limit, cooldown_s
        self.cond = threading.Condition()
        self.slots: dict[int, Slots] = {}

    def of(self, key: int) -> Slots:
        slots = self.slots.get(key)
        if slots is None:
            slots = self.slots[key] = Slots(self.limit, self.cooldown_s)
        return slots

    def checkout(self, key: int, timeout_s: float) -> smtplib.SMTP | None:
        """An idle connection, or None when the caller may open a new one (slot reserved)."""
        deadline = time.monotonic() + timeout_s
        with self.cond:
            slots = self.of(key)
            while True:
                if slots.idle:
                    return slots.idle.pop()
                if slots.open < slots.current_cap(time.monotonic()):
                    slots.open += 1
                    return None
                left = deadline - time.monotonic()
                if left <= 0:
                    raise NoSlot(f"no connection free within {timeout_s:.0f} s")
                self.cond.wait(min(left, 1.0))  # wake now and then: the cap may grow back

    def checkin(self, key: int, conn: smtplib.SMTP) -> None:
        """Give a healthy connection back for the next message."""
        with self.cond:
            self.of(key).idle.append(conn)
            self.cond.notify()

    def forget(self, key: int, *, refused: bool = False) -> bool:
        """A connection is gone (or never opened); True if others to this relay remain."""
        with self.cond:
            slots = self.of(key)
            slots.open -= 1
            if refused:
                slots.shrink(time.monotonic())
            self.cond.notify()
            return slots.open > 0

    def drain_idle(self) -> list[smtplib.SMTP]:
        """Take every idle connection out (to close them)."""
        with self.cond:
            taken = []
            for slots in self.slots.values():
                taken.extend(slots.idle)
                slots.open -= len(slots.idle)
                slots.idle.clear()
            self.cond.notify_all()
            return taken
