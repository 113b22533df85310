"""How the loopback relay behaves: latencies, refusals by recipient hash, limits, a test cert.

Refusals are chosen by a hash of the recipient (and a seed), so a run is reproducible and a
test can ask which recipients will be refused, and how, before it sends. A 4xx is given once
per recipient (like greylisting): the retry is accepted, as a real relay's would be.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.certs import self_signed

# (share of the refusal band, stage, reply): temporary ones first, then permanent ones.
TEMPORARY = (
    (0.5, "RCPT", b"451 4.3.0 Temporary local problem, try again later"),
    (0.5, "DATA", b"421 4.7.0 Try again later, closing connection"),
)
PERMANENT = (
    (0.5, "RCPT", b"550 5.1.1 User unknown in virtual mailbox table"),
    (0.25, "DATA", b"552 5.2.2 Mailbox full"),
    (0.25, "DATA", b"554 5.7.1 Message rejected by content policy"),
)


@dataclass(frozen=True)
class Verdict:
    """What the relay answers for one recipient: at which stage, with which reply."""

    stage: str  # "RCPT" or "DATA"
    reply: bytes
    temporary: bool


@dataclass
class RelayPolicy:
    """Everything configurable about the relay; the defaults are the issue's realistic relay."""

    data_latency_s: float = 0.020  # after the end of DATA (scanning, fsync, a remote hop)
    rcpt_latency_s: float = 0.002
    other_latency_s: float = 0.0  # EHLO, MAIL, DATA, RSET
    jitter_s: float = 0.005  # uniform 0..jitter added to every delayed reply
    starttls: bool = True
    users: dict[str, str] = field(default_factory=dict)  # AUTH required when not empty
    temporary_share: float = 0.02
    permanent_share: float = 0.005
    max_messages_per_connection: int = 100
    idle_timeout_s: float = 10.0
    drop_share: float = 0.001  # connections dropped at the end of DATA (half after accepting)
    max_connections_per_client: int = 50
    seed: str = "relay"

    def verdict(self, rcpt: str) -> Verdict | None:
        """The refusal this recipient gets (None: accepted), fixed by the recipient's hash."""
        digest = hashlib.blake2b(f"{self.seed}:{rcpt.lower()}".encode(), digest_size=8).digest()
        u = int.from_bytes(digest, "big") / 2**64
        for share, bands, temporary in (
            (self.permanent_share, PERMANENT, False),
            (self.temporary_share, TEMPORARY, True),
        ):
            if u < share:
                point = u / share
                for part, stage, reply in bands:
                    if point < part:
                        return Verdict(stage, reply, temporary)
                    point -= part
                return Verdict(bands[-1][1], bands[-1][2], temporary)
            u -= share
        return None

    def delay(self, base_s: float, rng: random.Random) -> float:
        """One reply's latency: fixed part plus uniform jitter (none when the base is zero)."""
        if base_s <= 0:
            return 0.0
        return base_s + (rng.random() * self.jitter_s if self.jitter_s else 0.0)


def sink_like() -> RelayPolicy:
    """No latency, no refusals, no limits: the relay alone, for its ceiling."""
    return RelayPolicy(
        data_latency_s=0, rcpt_latency_s=0, jitter_s=0, starttls=False, temporary_share=0,
        permanent_share=0, max_messages_per_connection=0, idle_timeout_s=0, drop_share=0,
        max_connections_per_client=0,
    )  # fmt: skip


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A fresh self-signed certificate for 127.0.0.1/localhost (cert, key) as PEM files."""
    return self_signed(directory, prefix="relay-")
