"""Tracking benchmark: wrk drives the open pixel and click redirect; then every answer is counted.

Starts the API under uvicorn (2 workers, loopback) and the ingestion loop (a separate process
draining the Redis Stream into PostgreSQL), runs wrk with a Lua script that picks random
pre-generated valid tokens, then waits for the buffer to drain and compares rows with answers.

The Lua script counts 2xx/3xx answers of tracking requests itself (GIF or redirect). For the
last seconds it switches to a malformed click token (404, records nothing), so the requests wrk
aborts at the end record nothing and the count is exact. Those 404s are in wrk's latency figures
(they are as cheap as a pixel); the sync /healthz would run in a thread pool.
Needs Debian's wrk, PostgreSQL and Redis.

With --rate, each connection pauses between requests so that about that load is offered (an
open-ish loop: latency at a given throughput rather than at saturation).

Run: .venv/bin/python -m bench.tracking --duration 20 [--rate 4000]
Last line: `requests_per_s=<x> p99_ms=<y> lost=<n>` (lost = answered - recorded; <0 = doubled).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import redis
import sqlalchemy as sa
from sqlmodel import SQLModel

import service.models  # noqa: F401 - registers every table
from service.addressing.links import qualified_link_index
from service.addressing.tokens import codec
from service.db import get_engine, reset_engine, session_scope
from service.models import Campaign, Delivery, Edition, Subscriber
from service.models._common import utcnow
from service.settings import get_settings, reset_settings
from service.tracking import ingest

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/nd_tracking_bench"
LUA = Path(__file__).with_name("tracking_wrk.lua")
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def fresh_schema(url: str) -> None:
    """Create the database if needed, empty it and create the tables from the models."""
    admin_url, _, name = url.rpartition("/")
    engine = sa.create_engine(f"{admin_url}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.execute(sa.text("select 1 from pg_database where datname=:n"), {"n": name})
        if not exists.first():
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    os.environ["NEWSDESK_DATABASE_URL"] = url
    reset_settings()
    reset_engine()
    with get_engine().begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    SQLModel.metadata.create_all(get_engine())


def seed(subscribers: int) -> tuple[int, list[str]]:
    """A sent campaign with two editions; returns its id and request paths with valid tokens."""
    tokens = codec(get_settings())
    links = [f"https://partnership.example.org/item/{i}" for i in range(6)]
    with session_scope() as session:
        campaign = Campaign(name="bench", subject_en="s", subject_de="s", tracking="consent")
        session.add(campaign)
        session.flush()
        assert campaign.id is not None
        editions = []
        for lang in ("en", "de"):
            edition = Edition(
                campaign_id=campaign.id,
                key=f"{lang}-63",
                language=lang,
                announcement_ids=[1, 2, 3],
                links=[f"{u}?lang={lang}" for u in links],
                link_announcements=[0, 0, 1, 1, 2, None],
            )
            session.add(edition)
            session.flush()
            editions.append(edition)
        campaign_id = campaign.id
        edition_ids = [e.id or 0 for e in editions]
    engine = get_engine()
    with engine.begin() as conn:
        conn.execute(
            Subscriber.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "email": f"r{i}@bench.example.org",
                    "email_hash": uuid.uuid4().hex,
                    "status": "confirmed",
                    "tracking_consent": True,
                    "language": "en",
                    "attributes": {},
                    "created_at": utcnow(),
                }
                for i in range(subscribers)
            ],
        )
        ids = list(conn.execute(sa.text("select id from subscriber order by id")).scalars())
        sent = utcnow() - timedelta(hours=2)
        conn.execute(
            Delivery.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "campaign_id": campaign_id,
                    "subscriber_id": sid,
                    "edition_key": f"{'en' if i % 2 else 'de'}-63",
                    "status": "sent",
                    "sent_at": sent,
                    "attempts": 1,
                }
                for i, sid in enumerate(ids)
            ],
        )
    paths = []
    for i, sid in enumerate(ids):
        edition_id = edition_ids[1 - i % 2]
        paths.append(f"/t/o/{tokens.open(campaign_id, sid)}.gif")
        n = i % len(links)
        paths.append(f"/t/c/{tokens.click(campaign_id, sid, qualified_link_index(edition_id, n))}")
    return campaign_id, paths


def write_paths(paths: list[str], folder: Path) -> Path:
    """One path per line for the Lua script."""
    target = folder / "paths.txt"
    target.write_text("\n".join(paths) + "\n")
    return target


def start_api(port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """uvicorn with uvloop/httptools on loopback; waits until it answers."""
    command = [
        sys.executable, "-m", "uvicorn", "service.api.app:app", "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--no-access-log",
        "--loop", "uvloop", "--http", "httptools", "--log-level", "warning",
    ]  # fmt: skip
    proc = subprocess.Popen(command, env=env)
    import httpx

    for _ in range(100):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("uvicorn did not start")


def warm_up(port: int, paths: list[str]) -> None:
    """HEAD every worker's click path once: loads the link cache, records nothing (HEAD is never
    counted), so wrk measures the steady state rather than the first database read."""
    import httpx

    clicks = [p for p in paths if p.startswith("/t/c/")][:400]
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        for path in clicks:
            assert client.head(path).status_code == 302


def start_ingest(env: dict[str, str], nice: int) -> subprocess.Popen[bytes]:
    """The ingestion loop in its own process (as a Celery worker on the `track` queue would run
    it), at a lower CPU priority: it is latency-insensitive, the endpoints are not."""
    command = ["nice", "-n", str(nice), sys.executable, "-m", "bench.tracking", "--ingest-loop"]
    return subprocess.Popen(command, env=env)


def ingest_loop() -> None:
    """Drain continuously until killed."""
    settings = get_settings()
    while True:
        done = ingest.drain(settings, budget_s=60)
        if not done.read:
            time.sleep(0.05)


def run_wrk(port: int, paths: Path, args: argparse.Namespace) -> tuple[int, int, float, float]:
    """(answered, total responses, requests/s of tracking answers, p99 ms) from one wrk run."""
    switch_after = args.duration - args.tail
    command = [
        "wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
        "--latency", "--timeout", "10s", "-s", str(LUA), f"http://127.0.0.1:{port}",
        "--", str(paths), str(switch_after), str(_pause_ms(args)),
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    print(out)
    answered = int(_field(out, r"tracking_answered=(\d+)"))
    # The switch to the 404 tail happens on a whole second at most switch_after s in: a lower bound.
    tracking_seconds = float(switch_after)
    total = int(_field(out, r"(\d+) requests in"))
    return answered, total, answered / tracking_seconds, _p99_ms(out)


def _pause_ms(args: argparse.Namespace) -> int:
    """Pause per connection between requests that offers about --rate requests/s (0: no pause)."""
    if not args.rate:
        return 0
    return max(int(args.connections * 1000 / args.rate), 1)


def _field(text: str, pattern: str) -> str:
    """First group of a regex in wrk's output."""
    match = re.search(pattern, text)
    if match is None:
        raise SystemExit(f"wrk output lacks {pattern!r}")
    return match.group(1)


def _p99_ms(text: str) -> float:
    """99% latency from wrk --latency, in ms."""
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wait_drained(campaign_id: int, expected: int, timeout_s: float) -> int:
    """Wait until the buffer is empty and rows stop changing; returns the row count."""
    settings = get_settings()
    deadline = time.monotonic() + timeout_s
    rows = -1
    query = sa.text("select count(*) from tracking_event where campaign_id = :c")
    while time.monotonic() < deadline:
        with get_engine().connect() as conn:
            rows = int(conn.execute(query, {"c": campaign_id}).scalar_one())
        if ingest.backlog(settings) == 0 and rows >= expected:
            break
        time.sleep(0.5)
    return rows


def main() -> None:
    """Seed, start API and ingestion, run wrk, count."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ingest-loop", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--tail", type=int, default=2, help="final seconds spent on 404s")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--rate", type=int, default=0, help="offered load in requests/s (0 = as fast as possible)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--subscribers", type=int, default=5000)
    parser.add_argument("--port", type=int, default=8391)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--ingest-after", action="store_true", help="start ingestion after wrk")
    parser.add_argument("--ingest-nice", type=int, default=10, help="nice level of ingestion")
    args = parser.parse_args()
    if args.ingest_loop:
        ingest_loop()
        return
    os.environ.setdefault("NEWSDESK_SECRET_KEY", "bench-secret-not-for-production-0123456789")
    os.environ["NEWSDESK_REDIS_URL"] = args.redis_url
    os.environ["NEWSDESK_TRACKING_STREAM"] = f"bench:tracking:{uuid.uuid4().hex[:8]}"
    fresh_schema(args.database_url)
    campaign_id, paths = seed(args.subscribers)
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        path_file = write_paths(paths, Path(tmp))
        api = start_api(args.port, args.workers, env)
        warm_up(args.port, paths)
        worker = None if args.ingest_after else start_ingest(env, args.ingest_nice)
        try:
            answered, total, rps, p99 = run_wrk(args.port, path_file, args)
            worker = worker or start_ingest(env, args.ingest_nice)
            started = time.perf_counter()
            rows = wait_drained(campaign_id, answered, timeout_s=300)
            backlog_s = time.perf_counter() - started
        finally:
            for proc in (api, worker):
                if proc is None:
                    continue
                proc.terminate()
                proc.wait(timeout=30)
            redis.Redis.from_url(args.redis_url).delete(os.environ["NEWSDESK_TRACKING_STREAM"])
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average after the run (1/5/15 min, other work on the box counts): {load}")
    print(f"wrk responses (incl. the 404 tail): {total}; tracking answers 2xx/3xx: {answered}")
    print(f"tracking_event rows: {rows}; buffer drained {backlog_s:.1f} s after wrk ended")
    print(f"requests_per_s={rps:.0f} p99_ms={p99:.1f} lost={answered - rows}")


if __name__ == "__main__":
    main()
