"""Send benchmark: the whole pipeline into Postfix's smtp-sink, and into a realistic relay.

N subscribers in PostgreSQL, real Celery workers on Redis, DKIM RSA-2048 and tracking on.
Messages/s is end to end: from the campaign starting to the last message accepted (retries
included). In the same run, Postfix's smtp-source measures the sink's ceiling with messages of
our size.

`--relay realistic` runs the same campaign twice on fresh databases: into smtp-sink (the
ceiling) and into bench/relay.py (20 ms per message, STARTTLS, AUTH, 2% 4xx, 0.5% 5xx, drops,
at most 50 connections per client), audits the relay's log against the delivery rows
(bench/send_relay.py) and prints the ratio of both.

Run: .venv/bin/python -m bench.send --recipients 100000 [--relay realistic]
Needs Debian's postfix package (smtp-sink, smtp-source); no Postfix daemon is started.
Last line (sink): `messages_per_s=<x> ceiling_per_s=<y> ratio=<x/y>`; (realistic):
`messages_per_s=<x> missed=<n> duplicates=<n> cpu_ms_per_message=<x> ratio_to_sink=<x>`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import redis
import sqlalchemy as sa

from bench.common import DEFAULT_URL, bulk_subscribers, fresh_database, seed_content
from bench.procstats import cpu_seconds, peak_rss_mb, tree
from bench.send_relay import RelayProcess, audit, relay_env, start_relay, wait_quiet
from service.demo.run import start_worker

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """An unused loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_sink(port: int) -> subprocess.Popen[bytes]:
    """Postfix's smtp-sink: accepts everything, as fast as C allows."""
    if shutil.which("smtp-sink") is None:
        sys.exit("smtp-sink not found: apt-get install postfix (then `postfix stop`)")
    sink = subprocess.Popen(["smtp-sink", "-u", "nobody", f"127.0.0.1:{port}", "1024"])
    time.sleep(0.5)
    return sink


def ceiling(port: int, size: int, count: int) -> float:
    """Messages/s smtp-source reaches against the same sink with messages of `size` bytes."""
    started = time.perf_counter()
    subprocess.run(
        [
            "smtp-source",
            "-s",
            "4",
            "-l",
            str(size),
            "-m",
            str(count),
            "-f",
            "bench@example.org",
            "-t",
            "sink@example.org",
            f"127.0.0.1:{port}",
        ],
        check=True,
    )
    return count / (time.perf_counter() - started)


def wait_sent(campaign_id: int, total: int, timeout_s: float) -> None:
    """Poll the delivery rows until every one is final."""
    from service.campaigns.dispatch import status_counts
    from service.db import session_scope

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with session_scope() as session:
            counts = status_counts(session, campaign_id=campaign_id)
        done = sum(counts.get(k, 0) for k in ("sent", "failed", "skipped"))
        print(f"\r{done}/{total} {counts}", end="", flush=True)
        if total and done >= total:
            print()
            return
        time.sleep(1.0)
    sys.exit(f"\ntimed out: {counts}")


def timings(campaign_id: int) -> tuple[float, int, int]:
    """Seconds from campaign start to last accepted message, messages sent, mean message size."""
    from service.db import session_scope
    from service.models import Campaign, Delivery

    with session_scope() as session:
        started = session.get(Campaign, campaign_id).started_at  # type: ignore[union-attr]
        last, sent = session.execute(
            sa.select(sa.func.max(Delivery.sent_at), sa.func.count()).where(
                Delivery.campaign_id == campaign_id, Delivery.status == "sent"
            )
        ).one()
    return (last - started).total_seconds(), sent, 0


def main() -> None:
    """Prepare, run one campaign per target through the workers, measure, print the figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes")
    parser.add_argument(
        "--relay",
        choices=["sink", "realistic", "realistic-only"],
        default="sink",
        help="realistic-only: no sink run (memory checks)",
    )
    parser.add_argument("--connections", type=int, help="NEWSDESK_SMTP_CONNECTIONS per process")
    parser.add_argument("--quiet-wait", type=float, default=120.0,
                        help="seconds to wait for load average < 2 before each run")  # fmt: skip
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/9")
    args = parser.parse_args()
    if args.relay == "realistic-only":
        real = run_target("realistic", args)
        print(f"messages_per_s={real['rate']:.0f} missed={real['missed']} "
              f"duplicates={real['duplicates']} cpu_ms_per_message={real['cpu']:.2f} "
              f"peak_rss_mib={real['rss']:.0f}")  # fmt: skip
        return
    sink = run_target("sink", args)
    if args.relay == "sink":
        top = sink["ceiling"]
        print(f"messages_per_s={sink['rate']:.0f} ceiling_per_s={top:.0f} "
              f"ratio={sink['rate'] / top:.3f}")  # fmt: skip
        return
    real = run_target("realistic", args)
    ratio = real["rate"] / sink["rate"]
    print(f"into smtp-sink {sink['rate']:.0f} msg/s ({sink['cpu']:.2f} CPU ms/msg, "
          f"load {sink['load']}); into the realistic relay {real['rate']:.0f} msg/s "
          f"({real['cpu']:.2f} CPU ms/msg, load {real['load']}); ratio {ratio:.3f}")  # fmt: skip
    print(f"messages_per_s={real['rate']:.0f} missed={real['missed']} "
          f"duplicates={real['duplicates']} cpu_ms_per_message={real['cpu']:.2f} "
          f"ratio_to_sink={ratio:.3f}")  # fmt: skip


def run_target(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    """One campaign on a fresh database into smtp-sink or the realistic relay; its figures."""
    from service.mail.dkim_keys import write_demo_key
    from service.settings import reset_settings

    work = Path(tempfile.mkdtemp(prefix="newsdesk-bench-"))
    port = free_port()
    key, _record = write_demo_key(work, selector="bench", domain="news.partnership.example.org")
    env = {
        "NEWSDESK_DATABASE_URL": args.database_url,
        "NEWSDESK_BROKER_URL": args.broker_url,
        "NEWSDESK_SECRET_KEY": "bench-secret-not-for-production",
        "NEWSDESK_SMTP_URL": f"smtp://127.0.0.1:{port}",
        "NEWSDESK_DKIM_PRIVATE_KEY_PATH": str(key),
        "NEWSDESK_DKIM_SELECTOR": "bench",
        "NEWSDESK_SEND_BATCH_SIZE": "500",
        "NEWSDESK_PUBLIC_URL": "https://news.partnership.example.org",
    }
    if args.connections:
        env["NEWSDESK_SMTP_CONNECTIONS"] = str(args.connections)
    relay = None
    if kind == "realistic":
        relay = start_relay(port, work)
        env.update(relay_env(port, relay.cert))
    os.environ.update(env)
    reset_settings()
    redis.Redis.from_url(args.broker_url).flushdb()
    fresh_database(args.database_url)
    campaign_id = seed_content()
    bulk_subscribers(args.database_url, args.recipients, tracking=1.0)
    sink = start_sink(port) if relay is None else None
    print(f"--- {kind}: load average {wait_quiet(patience_s=args.quiet_wait):.2f} at start")
    workers = start_worker(work, env, args.concurrency, beat=False)
    try:
        figures = run(campaign_id, args, workers, port, kind)
        if relay is not None:
            relay_cpu = cpu_seconds(relay.process.pid)
            figures.update(relay_figures(campaign_id, relay, relay_cpu, figures["sent"]))
        elif sink is not None:
            figures["ceiling"] = ceiling(port, figures["size"], 20_000)
            print(f"smtp-source ceiling {figures['ceiling']:.0f}/s (load {load_average()})")
    finally:
        import signal

        os.killpg(workers.pid, signal.SIGTERM)
        workers.wait(timeout=30)
        if sink is not None:
            sink.terminate()
        if relay is not None and relay.process.poll() is None:
            relay.stop()
        shutil.rmtree(work, ignore_errors=True)
    return figures


def relay_figures(
    campaign_id: int, relay: RelayProcess, relay_cpu_s: float, sent: int
) -> dict[str, Any]:
    """Stop the relay, audit its log against the delivery rows, print what it saw."""
    stats = relay.stop()
    result = audit(campaign_id, relay)
    print(f"relay: {stats.get('connections', 0)} connections opened, at most "
          f"{stats.get('max_concurrent', 0)} at once, {stats.get('refused_connections', 0)} "
          f"refused above the per-client limit, {stats.get('limit_closes', 0)} closed after "
          f"N messages, {stats.get('idle_closes', 0)} idle closes, "
          f"{stats.get('dropped_after_accept', 0)} + {stats.get('dropped_lost', 0)} drops "
          f"(after / before accepting); replies "
          f"{ {k[6:]: v for k, v in stats.items() if k.startswith('reply_')} }")  # fmt: skip
    print(f"relay CPU {relay_cpu_s * 1000 / max(sent, 1):.3f} ms/message (not in worker CPU)")
    print(f"audit: accepted {result.accepted} recipients, missed {result.missed}, duplicates "
          f"{result.duplicates} ({result.unexplained_duplicates} not after a drop), retries "
          f"{result.retries}, wrong outcomes {len(result.wrong_outcomes)} "
          f"{result.wrong_outcomes[:5]}; policy refusals recorded as SenderAlerts: "
          f"{result.policy_alerts} (pause threshold lifted for the bench)")  # fmt: skip
    return {"missed": result.missed, "duplicates": result.duplicates}


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def run(
    campaign_id: int,
    args: argparse.Namespace,
    workers: subprocess.Popen[bytes],
    port: int,
    kind: str,
) -> dict[str, Any]:
    """Schedule, fan out through the workers, wait, and report."""
    from service.campaigns.authoring import schedule
    from service.campaigns.runner import start_due_campaigns
    from service.db import session_scope
    from workers.tasks.campaigns import fan_out

    time.sleep(2.0)  # let the pool come up before the clock starts
    cpu_before = sum(cpu_seconds(p) for p in tree(workers.pid))
    with session_scope() as session:
        schedule(session, campaign_id=campaign_id, send_at=None)
    assert start_due_campaigns() == [campaign_id]
    fan_out.delay(campaign_id)
    wait_sent(campaign_id, args.recipients, timeout_s=3600)
    load = load_average()
    pids = tree(workers.pid)
    cpu = sum(cpu_seconds(p) for p in pids) - cpu_before
    rss = [peak_rss_mb(p) for p in pids[1:]] or [peak_rss_mb(pids[0])]
    seconds, sent, _ = timings(campaign_id)
    size = message_size(port)
    rate = sent / seconds
    print(f"[{kind}] sent {sent} messages of ~{size} bytes in {seconds:.1f}s: {rate:.0f} msg/s")
    print(f"[{kind}] worker CPU {cpu * 1000 / sent:.2f} ms/message")
    print(f"[{kind}] peak RSS per worker process {max(rss):.0f} MiB "
          f"({', '.join(f'{r:.0f}' for r in rss)})")  # fmt: skip
    print(f"[{kind}] load average (1, 5, 15 min): {load} on {os.cpu_count()} cores")
    return {"rate": rate, "cpu": cpu * 1000 / sent, "sent": sent, "size": size, "load": load,
            "rss": max(rss)}  # fmt: skip


def message_size(_port: int) -> int:
    """Size of one real message of this campaign (built the same way the workers build them)."""
    from service.campaigns.skeletons import SKELETONS
    from service.db import session_scope
    from service.mail.compose import Recipient
    from service.models import Campaign, Delivery
    from service.settings import get_settings

    with session_scope() as session:
        delivery = session.execute(sa.select(Delivery).limit(1)).scalar_one()
        campaign = session.get(Campaign, delivery.campaign_id)
    assert campaign is not None
    skeleton = SKELETONS.get(campaign=campaign, key=delivery.edition_key, settings=get_settings())
    reader = Recipient(
        delivery.subscriber_id, "reader@example.org", "Reader Example", tracking=True
    )
    message = skeleton.message_for(reader)
    return len(message.data)


if __name__ == "__main__":
    main()
