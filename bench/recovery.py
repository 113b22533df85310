"""Recovery benchmark: kill -9 every worker mid-campaign, restart, count and time the recovery.

PostgreSQL, Redis, a real Celery worker (2 processes, embedded beat) and an SMTP capture; the
default STALE_CLAIM_S (120 s, the old recovery wait) stays in force, so the figure shows how
soon batch leases (service/campaigns/liveness.py) give a dead worker's claims back.

Run: .venv/bin/python -m bench.recovery --recipients 20000
     [--database-url URL] [--broker-url redis://127.0.0.1:6379/N]
Last line: `recovery_s=<x> stale_claim_s=<y> ratio=<x/y> sent=<n>/<n> missed=<m> duplicates=<d>
in_flight=<f> load_avg=<1-min load at the end>`. recovery_s is from the restart to the last
claim held at the kill being sent.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import Counter
from contextlib import nullcontext
from pathlib import Path

import sqlalchemy as sa

from bench.common import DEFAULT_URL, ensure_database
from service.db import session_scope
from service.demo.run import kill_worker, start_worker
from service.models import Delivery
from service.settings import get_settings
from tests.integration.live_stack import live_stack, wait_for
from tests.integration.test_crash_recovery import _marked_sent, _recipients
from tests.integration.test_live_campaign import _seed_and_schedule, _status


def _rows(campaign_id: int, *, status: str) -> set[int]:
    with session_scope() as session:
        ids = session.execute(
            sa.select(Delivery.id).where(  # type: ignore[call-overload]
                Delivery.campaign_id == campaign_id, Delivery.status == status
            )
        ).scalars()
        return set(ids)


def run(recipients: int, database_url: str, broker_url: str, var_dir: str | None = None) -> str:
    """One kill and recovery; the summary line (worker.log stays in var_dir when given)."""
    ensure_database(database_url)
    if var_dir:
        Path(var_dir).mkdir(parents=True, exist_ok=True)
    place = nullcontext(tempfile.mkdtemp(dir=var_dir)) if var_dir else tempfile.TemporaryDirectory()
    with place as tmp, live_stack(
        Path(tmp), database_url=database_url, broker_url=broker_url, smtp_delay_s=0.001,
        extra_env={"NEWSDESK_SCAN_INTERVAL_S": "1"},
    ) as stack:  # fmt: skip
        stale = get_settings().stale_claim_s
        campaign_id = _seed_and_schedule(recipients)
        wait_for(lambda: len(stack.capture.captured) >= recipients // 5, 600, "sending")
        kill_worker(stack.worker)
        time.sleep(0.5)
        held = _rows(campaign_id, status="claimed")
        in_flight = len(_recipients(stack.capture.captured).keys() - _marked_sent(campaign_id))
        restarted = time.monotonic()
        stack.worker = start_worker(Path(tmp), stack.env)
        wait_for(lambda: not (held & _rows(campaign_id, status="claimed")), stale * 2, "claims")
        recovery_s = time.monotonic() - restarted
        wait_for(lambda: _status(campaign_id) == "sent", 1800, "the campaign to finish")
        counts = Counter(r for m in stack.capture.captured for r in m.rcpt_tos)
        marked = len(_rows(campaign_id, status="sent"))
        duplicates = sum(n - 1 for n in counts.values())
        return (
            f"recovery_s={recovery_s:.1f} stale_claim_s={stale:.0f} ratio={recovery_s / stale:.2f}"
            f" sent={len(counts)}/{marked} missed={marked - len(counts)} duplicates={duplicates}"
            f" claims_at_kill={len(held)} in_flight={in_flight}"
            f" load_avg={os.getloadavg()[0]:.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--var-dir", default=None, help="keep the worker log under this folder")
    args = parser.parse_args()
    print(run(args.recipients, args.database_url, args.broker_url, args.var_dir))


if __name__ == "__main__":
    main()
