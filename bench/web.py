"""Benchmark: newsroom page times at 1,000,000 subscribers and 100 sent campaigns.

    python -m bench.web [--subscribers N] [--campaigns C] [--deliveries D] [--requests R]
                        [--database-url URL] [--keep]

Fills its own PostgreSQL database (default newsdesk_bench_web; created, emptied, migrated) with
COPY: N subscribers (bench.common), C sent campaigns with D deliveries each and human opens and
clicks for a share of them; then starts the real app (`uvicorn service.api.app:app`, one
process), logs in as an admin (a real server-side session cookie) and times R requests of each
page with httpx on one keep-alive connection: the dashboard, subscriber search (email prefix
and name contains), the segment live count and a campaign report. Printed beside the same
client's /healthz in the same run (the ceiling: the app's cheapest answer). Targets: p95 under
150 ms, the segment count under 500 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

from bench.common import DEFAULT_URL, bulk_subscribers, fresh_database, seed_content

ROOT = Path(__file__).resolve().parents[1]
URL = DEFAULT_URL.rsplit("/", 1)[0] + "/newsdesk_bench_web"
SECRET = "bench-web-secret-key-0123456789abcdef"
RULE = '{"all": [{"attr": "topics", "contains": "lung"}, {"language": "de"}]}'


def fill_campaigns(url: str, *, campaigns: int, deliveries: int, subscribers: int) -> list[int]:
    """C sent campaigns, D deliveries each (distinct subscribers), opens and clicks by COPY."""
    rng = random.Random(11)
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        ids = []
        for i in range(campaigns):
            at = start + timedelta(days=3 * i)
            cur.execute(
                "INSERT INTO campaign (name, subject_en, subject_de, list_slug, list_name,"
                " timezone, tracking, public_archive, status, send_at, fanout_done, fanout_cursor,"
                " consecutive_errors, created_at, started_at, finished_at, version)"
                " VALUES (%s, 'News', 'Neues', 'newsletter', 'Partnership Newsletter',"
                " 'Europe/Berlin', 'consent', false, 'sent', %s, true, 0, 0, %s, %s, %s, 1)"
                " RETURNING id",
                (f"Digest {i + 1}", at, at, at, at + timedelta(hours=1)),
            )
            ids.append(cur.fetchone()[0])  # type: ignore[index]
        with cur.copy(
            "COPY delivery (campaign_id, subscriber_id, edition_key, status, attempts, sent_at)"
            " FROM STDIN"
        ) as copy:
            for campaign_id in ids:
                for sub in rng.sample(range(1, subscribers + 1), deliveries):
                    copy.write_row(
                        (campaign_id, sub, f"{rng.choice(['de', 'en'])}:3", "sent", 1, start)
                    )
        with cur.copy(
            "COPY tracking_event (campaign_id, subscriber_id, kind, edition_key, machine, reason,"
            " user_agent, occurred_at) FROM STDIN"
        ) as copy:
            for campaign_id in ids:
                cur_rows = rng.sample(range(1, subscribers + 1), deliveries // 4)
                for n, sub in enumerate(cur_rows):
                    when = start + timedelta(minutes=rng.randint(5, 3000))
                    kind = "click" if n % 5 == 0 else "open"
                    copy.write_row((campaign_id, sub, kind, "en:3", False, "", "bench", when))
        # 1% left, 0.1% complained: what the reports count after each delivery.
        cur.execute(
            "UPDATE subscriber SET unsubscribed_at = %s, status = 'unsubscribed'"
            " WHERE id %% 100 = 7",
            (start + timedelta(days=30),),
        )
        cur.execute(
            "INSERT INTO suppression (email_hash, reason, created_at) SELECT email_hash,"
            " 'complaint', %s FROM subscriber WHERE id %% 1000 = 3",
            (start + timedelta(days=30),),
        )
        cur.execute("ANALYZE subscriber")
        cur.execute("ANALYZE suppression")
        cur.execute("ANALYZE delivery")
        cur.execute("ANALYZE tracking_event")
        cur.execute("ANALYZE campaign")
    return ids


def admin_cookie() -> str:
    """A real newsroom session of an admin user (what the login form would set)."""
    from service.accounts.sessions import start_session
    from service.accounts.users import create_user
    from service.db import session_scope

    with session_scope() as session:
        user = create_user(
            session,
            email="bench@newsroom.example.org",
            display_name="Bench",
            role="admin",
            password="bench password long enough",
        )
        return start_session(session, user=user)


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    """One uvicorn process of the real app on the bench database."""
    env = {
        **os.environ,
        "NEWSDESK_DATABASE_URL": url,
        "NEWSDESK_SECRET_KEY": SECRET,
        "NEWSDESK_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "service.api.app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("server did not start")


def measure(client: httpx.Client, path: str, requests: int) -> tuple[float, float]:
    """p50 and p95 in ms over `requests` GETs (after 3 warm-up requests)."""
    for _ in range(3):
        client.get(path).raise_for_status()
    times = []
    for _ in range(requests):
        began = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}\n{response.text[:500]}")
    times.sort()
    return statistics.median(times), times[max(int(len(times) * 0.95) - 1, 0)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--subscribers", type=int, default=1_000_000)
    parser.add_argument("--campaigns", type=int, default=100)
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--database-url", default=URL)
    parser.add_argument("--keep", action="store_true", help="reuse a filled database")
    args = parser.parse_args()
    os.environ["NEWSDESK_SECRET_KEY"] = SECRET
    began = time.monotonic()
    if not args.keep:
        fresh_database(args.database_url)
        seed_content()
        bulk_subscribers(args.database_url, args.subscribers)
        ids = fill_campaigns(
            args.database_url,
            campaigns=args.campaigns,
            deliveries=args.deliveries,
            subscribers=args.subscribers,
        )
        # a live database has been autovacuumed by the time anyone counts a segment; without
        # it the fresh COPY's visibility map is empty and index-only scans fetch the heap
        with psycopg.connect(args.database_url.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE) subscriber")
    else:
        os.environ["NEWSDESK_DATABASE_URL"] = args.database_url
        with psycopg.connect(args.database_url.replace("+psycopg", "")) as conn:
            ids = [
                r[0]
                for r in conn.execute("select id from campaign where status='sent' order by id")
            ]
            conn.execute("delete from newsroom_user where email='bench@newsroom.example.org'")
    print(
        f"filled in {time.monotonic() - began:.0f} s: {args.subscribers:,} subscribers, "
        f"{len(ids)} campaigns x {args.deliveries:,} deliveries"
    )
    cookie = admin_cookie()
    from tests.integration.smtp_servers import free_port

    port = free_port()
    server = start_server(args.database_url, port)
    pages = {
        "/healthz (ceiling)": "/healthz",
        "dashboard": "/newsroom/",
        "subscriber search, email prefix": "/newsroom/audience/subscribers?email=reader12345",
        "subscriber search, name contains": "/newsroom/audience/subscribers?name=Reader+99999",
        "subscriber search, attribute": (
            "/newsroom/audience/subscribers?attribute=career_stage&value=pi"
        ),
        "segment live count": f"/newsroom/audience/segments/count?rule={RULE}",
        "campaign report": f"/newsroom/reports/campaigns/{ids[-1]}",
    }
    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", timeout=30, cookies={"newsroom_session": cookie}
        ) as client:
            for label, path in pages.items():
                p50, p95 = measure(client, path, args.requests)
                target = 500 if "segment" in label else 150
                verdict = "" if "ceiling" in label else ("ok" if p95 < target else "OVER TARGET")
                print(
                    f"{label:36s} p50={p50:7.1f} ms  p95={p95:7.1f} ms"
                    f"  (target p95 < {target} ms) {verdict}"
                )
    finally:
        server.terminate()
        server.wait(timeout=10)
    load = os.getloadavg()[0]
    print(f"requests per page={args.requests} load_average={load:.1f}")


if __name__ == "__main__":
    main()
