"""Fan-out benchmark: delivery rows for N recipients (target: 1,000,000 in <= 60 s on PostgreSQL).

Run: .venv/bin/python -m bench.fanout --recipients 1000000
Last line: `fanout_rows=<n> seconds=<s> rows_per_s=<x>`.
"""

from __future__ import annotations

import argparse
import os
import time

from bench.common import DEFAULT_URL, bulk_subscribers, fresh_database, peak_rss_mb, seed_content
from service.campaigns.authoring import schedule
from service.campaigns.runner import fan_out_next, start_due_campaigns
from service.db import session_scope
from service.settings import get_settings, reset_settings


def main() -> None:
    """Prepare N subscribers, start a campaign, time the fan-out to completion."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    os.environ.setdefault("NEWSDESK_SECRET_KEY", "bench-secret-not-for-production")
    reset_settings()
    fresh_database(args.database_url)
    campaign_id = seed_content()
    started = time.perf_counter()
    bulk_subscribers(args.database_url, args.recipients)
    print(f"subscribers: {args.recipients} loaded in {time.perf_counter() - started:.1f}s")
    with session_scope() as session:
        schedule(session, campaign_id=campaign_id, send_at=None)
    assert start_due_campaigns() == [campaign_id]
    started = time.perf_counter()
    rows = ranges = 0
    while True:
        step, batches = fan_out_next(campaign_id=campaign_id, settings=get_settings())
        rows, ranges = rows + step.inserted, ranges + len(batches)
        if step.done:
            break
    seconds = time.perf_counter() - started
    print(f"send ranges: {ranges}; peak RSS {peak_rss_mb():.0f} MiB")
    print(f"fanout_rows={rows} seconds={seconds:.1f} rows_per_s={rows / seconds:.0f}")


if __name__ == "__main__":
    main()
