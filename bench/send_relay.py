"""The realistic-relay half of bench/send.py: start bench/relay.py, then audit its log.

The audit compares three records of the same run: the relay's log (every accepted message and
every connection dropped at the end of DATA), the delivery rows, and the relay's policy (which
recipients it refuses, and how). Missed: a delivery marked sent whose Message-ID the relay never
accepted, or a recipient the relay would take that it never got. Duplicates: a recipient
accepted more than once; each is explained only if its connection dropped after the relay had
accepted it (the client never saw the 250, so it had to send again).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from bench.relay import read_log
from bench.relay_policy import RelayPolicy

USER, PASSWORD = "bench", "relay-secret"


@dataclass
class RelayProcess:
    """The relay subprocess and where it writes."""

    process: subprocess.Popen[str]
    log: Path
    stats: Path
    cert: Path

    def stop(self) -> dict[str, int]:
        """SIGTERM, wait for the counters."""
        self.process.terminate()
        self.process.wait(30)
        return dict(json.loads(self.stats.read_text())) if self.stats.exists() else {}


def start_relay(port: int, work: Path) -> RelayProcess:
    """The issue's realistic relay: 20 ms per message, STARTTLS, AUTH, 2% 4xx, 0.5% 5xx."""
    log, stats = work / "relay.log", work / "relay-stats.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.relay", "--port", str(port), "--log", str(log),
         "--stats", str(stats), "--cert-dir", str(work), "--users", f"{USER}:{PASSWORD}",
         "--uvloop"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    cert = Path(process.stdout.readline().split()[1])
    process.stdout.readline()  # "listening on ..."
    return RelayProcess(process, log, stats, cert)


POLICY_PAUSE_OFF = "1000000"


def relay_env(port: int, cert: Path) -> dict[str, str]:
    """Worker settings for the relay: STARTTLS required, AUTH, its test certificate trusted.

    The relay refuses 0.125% of recipients with 554 5.7.1; the product pauses a campaign after
    `policy_pause_threshold` (5) such refusals, so the bench lifts the threshold to measure a
    whole run, and prints how many SenderAlerts the refusals recorded.
    """
    return {
        "NEWSDESK_SMTP_URL": f"smtp://{USER}:{PASSWORD}@127.0.0.1:{port}?starttls=1",
        "NEWSDESK_SMTP_REQUIRE_TLS": "true",
        "NEWSDESK_SMTP_CA_FILE": str(cert),
        "NEWSDESK_POLICY_PAUSE_THRESHOLD": POLICY_PAUSE_OFF,
    }


@dataclass
class Audit:
    """What the relay log and the delivery rows say together."""

    accepted: int
    missed: int
    duplicates: int
    unexplained_duplicates: int
    retries: int
    wrong_outcomes: list[str]
    policy_alerts: int


def audit(campaign_id: int, relay: RelayProcess) -> Audit:
    """Check the run: zero missed, duplicates only after drops, every outcome as the relay said."""
    rows = read_log(relay.log)
    accepted = Counter(rcpt for kind, _mid, rcpt in rows if kind == "A")
    accepted_ids = {mid for kind, mid, _rcpt in rows if kind == "A"}
    dropped_after = {rcpt for kind, _mid, rcpt in rows if kind == "D"}
    deliveries = _deliveries(campaign_id)
    policy = RelayPolicy()
    missed, wrong = 0, []
    for email, status, message_id, _attempts, suppressed in deliveries:
        verdict = policy.verdict(email)
        if verdict is not None and not verdict.temporary:
            fault = verdict.reply.startswith(b"550")  # 5.1.1: the recipient's; 552/554: not
            if status != "failed" or suppressed != fault:
                wrong.append(f"{email}: {status}, suppressed={suppressed} after {verdict.reply!r}")
            continue
        if status != "sent":
            wrong.append(f"{email}: {status}, the relay would accept it")
        if message_id not in accepted_ids or email not in accepted:
            missed += 1
    duplicates = sum(n - 1 for n in accepted.values())
    unexplained = sum(n - 1 for r, n in accepted.items() if n > 1 and r not in dropped_after)
    retries = sum(max(0, attempts - 1) for *_, attempts, _s in deliveries)
    return Audit(
        len(accepted), missed, duplicates, unexplained, retries, wrong, _alerts(campaign_id)
    )


def _alerts(campaign_id: int) -> int:
    """SenderAlerts the campaign's policy refusals recorded."""
    from service.db import session_scope
    from service.models import SenderAlert

    with session_scope() as session:
        query = sa.select(sa.func.count()).where(SenderAlert.campaign_id == campaign_id)
        return int(session.execute(query).scalar_one())


def _deliveries(campaign_id: int) -> list[tuple[str, str, str | None, int, bool]]:
    """(email, status, message_id, attempts, suppressed) for every delivery of the campaign."""
    from service.db import session_scope
    from service.models import Delivery, Subscriber, Suppression

    with session_scope() as session:
        suppressed = sa.exists().where(Suppression.email_hash == Subscriber.email_hash)
        query = (
            sa.select(
                Subscriber.email,
                Delivery.status,
                Delivery.message_id,
                Delivery.attempts,
                suppressed.label("suppressed"),
            )
            .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
            .where(Delivery.campaign_id == campaign_id)
        )
        return [tuple(r) for r in session.execute(query)]  # type: ignore[misc]


def wait_quiet(max_load: float = 2.0, patience_s: float = 120.0) -> float:
    """Wait (a while) for the 1-minute load average to drop below max_load; return it."""
    import os

    deadline = time.monotonic() + patience_s
    while os.getloadavg()[0] >= max_load and time.monotonic() < deadline:
        time.sleep(5)
    return os.getloadavg()[0]
