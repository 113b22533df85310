"""Digest benchmark: a weekly digest for N subscribers with 30 candidate announcements and a
per-subscriber "already sent" history (an earlier digest of 20 of them, 70% delivered).

Planning = what beat does when the digest is due (candidates, campaign, audience count,
scheduling checks) plus the fan-out of every delivery row with its only-new edition key, all
in SQL. Sending = real Celery workers (Redis) into Postfix's smtp-sink, DKIM on, beside
smtp-source's ceiling against the same sink measured in the same run.

Run: .venv/bin/python -m bench.digest --recipients 100000
Last line: `planning_s=<x> messages_per_s=<x>` (planning must stay under 30 s).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import redis
import sqlalchemy as sa

from bench.common import bulk_subscribers, fresh_database
from bench.send import ceiling, free_port, message_size, start_sink, wait_sent

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/newsdesk_bench_digest"
T1 = datetime(2027, 3, 1, 9, tzinfo=UTC)  # a Monday after 08:00 in Berlin
SEGMENTS = {
    "everyone": {"all": []},
    "lung": {"attr": "topics", "contains": "lung"},
    "ai-ml": {"attr": "topics", "contains": "ai-ml"},
    "early-career": {"attr": "career_stage", "in": ["phd", "postdoc"]},
    "munich": {"attr": "city", "eq": "munich"},
}


def seed_world(url: str, recipients: int) -> int:
    """Segments, 20 approved announcements, N weekly subscribers, the weekly schedule."""
    from service.db import session_scope
    from service.models import DigestSchedule, Segment

    fresh_database(url)
    with session_scope() as session:
        for slug, rule in SEGMENTS.items():
            session.add(Segment(slug=slug, name=slug, rule=rule))
    add_announcements(range(20))
    bulk_subscribers(url, recipients)
    with session_scope() as session:
        session.execute(
            sa.text(
                "INSERT INTO list_subscription"
                " (subscriber_id, list_slug, active, changed_at, cadence)"
                " SELECT id, 'newsletter', true, now(), 'weekly' FROM subscriber"
            )
        )
        schedule = DigestSchedule(
            name="Weekly", segment_slugs=["everyone"], created_at=T1 - timedelta(days=30)
        )
        session.add(schedule)
        session.flush()
        assert schedule.id is not None
        return schedule.id


def add_announcements(numbers: range) -> None:
    """Approved bilingual announcements, each to one or two segments."""
    from service.db import session_scope
    from tests.support.automation_data import approved_announcement

    slugs = list(SEGMENTS)
    with session_scope() as session:
        for n in numbers:
            targets = sorted({slugs[n % len(slugs)], slugs[(n * 3 + 1) % len(slugs)]})
            approved_announcement(session, slug=f"item-{n}", segments=targets)


def plan(now: datetime) -> tuple[int, float, float]:
    """Run the due period and fan it out completely; (campaign id, run_s, fanout_s)."""
    from service.automation import digests
    from service.campaigns.runner import fan_out_next, start_due_campaigns
    from service.db import session_scope
    from service.settings import get_settings

    started = time.perf_counter()
    with session_scope() as session:
        (due,) = digests.due_digests(session, now=now)
        run = digests.run_period(session, due=due, now=now)
        campaign_id = run.campaign_id
    run_s = time.perf_counter() - started
    assert campaign_id is not None, run.note
    (started_id,) = start_due_campaigns()
    assert started_id == campaign_id
    started = time.perf_counter()
    while not fan_out_next(campaign_id=campaign_id, settings=get_settings())[0].done:
        pass
    return campaign_id, run_s, time.perf_counter() - started


def fake_history(campaign_id: int) -> None:
    """The earlier digest 'was sent': 70% delivered, the rest failed (so it does not count)."""
    from service.db import session_scope

    with session_scope() as session:
        session.execute(
            sa.text(
                "UPDATE delivery SET status ="
                " CASE WHEN random() < 0.7 THEN 'sent' ELSE 'failed' END WHERE campaign_id = :c"
            ),
            {"c": campaign_id},
        )
        session.execute(
            sa.text("UPDATE campaign SET status = 'sent' WHERE id = :c"), {"c": campaign_id}
        )


def send(campaign_id: int, work: Path, env: dict[str, str], concurrency: int) -> tuple[int, float]:
    """Enqueue every send range to real workers; (messages sent, seconds to the last one)."""
    from service.campaigns.runner import all_queued_ranges
    from service.demo.run import start_worker
    from service.settings import get_settings
    from workers.tasks.campaigns import send_batch

    workers = start_worker(work, env, concurrency, beat=False)
    try:
        time.sleep(2.0)  # the pool comes up before the clock starts
        ranges = all_queued_ranges(campaign_id=campaign_id, settings=get_settings())
        total = count_queued(campaign_id)
        started = datetime.now(UTC)
        for first, last in ranges:
            send_batch.delay(campaign_id, first, last)
        wait_sent(campaign_id, total, timeout_s=3600)
    finally:
        os.killpg(workers.pid, signal.SIGTERM)
        workers.wait(timeout=30)
    return total, (last_sent(campaign_id) - started).total_seconds()


def count_queued(campaign_id: int) -> int:
    """Deliveries of the campaign."""
    from service.db import session_scope

    with session_scope() as session:
        stmt = sa.text("SELECT count(*) FROM delivery WHERE campaign_id = :c")
        return int(session.execute(stmt, {"c": campaign_id}).scalar() or 0)


def last_sent(campaign_id: int) -> datetime:
    """When the last message of the campaign was marked sent."""
    from service.db import session_scope

    with session_scope() as session:
        stmt = sa.text("SELECT max(sent_at) FROM delivery WHERE campaign_id = :c")
        value = session.execute(stmt, {"c": campaign_id}).scalar()
    assert value is not None
    return value  # type: ignore[no-any-return]


def breakdown(campaign_id: int) -> str:
    """How many new announcements the digest carries per recipient (min/avg/max)."""
    from service.db import session_scope

    with session_scope() as session:
        rows = session.execute(
            sa.text(
                "SELECT e.key, jsonb_array_length(e.announcement_ids), count(*) FROM delivery d"
                " JOIN edition e ON e.campaign_id = d.campaign_id AND e.key = d.edition_key"
                " WHERE d.campaign_id = :c GROUP BY 1, 2"
            ),
            {"c": campaign_id},
        ).all()
    counts = [(n, c) for _key, n, c in rows]
    total = sum(c for _n, c in counts)
    mean = sum(n * c for n, c in counts) / total
    return (
        f"{len(rows)} editions; announcements per recipient min {min(n for n, _ in counts)}"
        f" mean {mean:.1f} max {max(n for n, _ in counts)}"
    )


def main() -> None:
    """Seed, run the earlier digest as history, plan and send the measured one."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/11")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newsdesk-digest-bench-"))
    port = free_port()
    from service.mail.dkim_keys import write_demo_key

    key, _record = write_demo_key(work, selector="bench", domain="news.partnership.example.org")
    env = {
        "NEWSDESK_DATABASE_URL": args.database_url,
        "NEWSDESK_BROKER_URL": args.broker_url,
        "NEWSDESK_SECRET_KEY": "bench-secret-not-for-production",
        "NEWSDESK_SMTP_URL": f"smtp://127.0.0.1:{port}",
        "NEWSDESK_DKIM_SELECTOR": "bench",
        "NEWSDESK_DKIM_PRIVATE_KEY_PATH": str(key),
        "NEWSDESK_SEND_BATCH_SIZE": "500",
        "NEWSDESK_PUBLIC_URL": "https://news.partnership.example.org",
    }
    os.environ.update(env)
    from service.settings import reset_settings

    reset_settings()
    redis.Redis.from_url(args.broker_url).flushdb()
    started = time.perf_counter()
    seed_world(args.database_url, args.recipients)
    earlier, _, _ = plan(T1)
    fake_history(earlier)
    add_announcements(range(20, 30))
    print(
        f"prepared {args.recipients} subscribers, 30 announcements and the earlier digest"
        f" in {time.perf_counter() - started:.1f}s"
    )
    campaign_id, run_s, fanout_s = plan(T1 + timedelta(days=7))
    planning = run_s + fanout_s
    print(f"planning: due run {run_s:.2f}s + fan-out {fanout_s:.2f}s; {breakdown(campaign_id)}")
    sink = start_sink(port)
    try:
        sent, seconds = send(campaign_id, work, env, args.concurrency)
        size = message_size(port)
        top = ceiling(port, size, 20_000)
    finally:
        sink.terminate()
        shutil.rmtree(work, ignore_errors=True)
    rate = sent / seconds
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"sent {sent} messages of ~{size} bytes in {seconds:.1f}s; smtp-source ceiling"
        f" {top:.0f}/s (ratio {rate / top:.2f}); load {load} on {os.cpu_count()} cores"
    )
    print(f"planning_s={planning:.2f} messages_per_s={rate:.0f}")


if __name__ == "__main__":
    main()
