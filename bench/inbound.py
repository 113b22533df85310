"""Inbound benchmark: messages/s through SMTP receive, durable store, classify and route.

A corpus mix (/work/shared/corpus: bounces and complaints sent to bounces+VERP addresses,
auto-replies and subscriber replies wrapped as mail to reply+TOKEN addresses, real tokens of
a seeded demo campaign) is delivered over loopback SMTP by a separate client process to the
real receiver (`service.inbound.intake.smtp_receiver`, which stores each message in PostgreSQL
before its 250). Stored ids go to worker processes that call the Celery task's function
(`workers.tasks.inbound.process_inbound_message`: classify, suppress/score/route, build
hand-offs, send them to a local SMTP sink) directly, without a broker between them. Each
corpus file is used once, so no message repeats and no cache sees the same message twice.

Run: /work/.venv-dev/bin/python -m bench.inbound [--workers 2] [--connections 4]
Last line: `messages_per_s=<x>` (first message sent to last message processed).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import resource
import smtplib
import threading
import time
from collections import Counter
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from bench.common import fresh_database
from service.demo.capture import free_port

CORPUS = Path("/work/shared/corpus")
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/newsdesk_bench_inbound"
SECRET = "bench-secret-key-not-for-production-0123456789"
Job = tuple[str, list[str], bytes]  # envelope sender, recipients, raw bytes


def corpus_files() -> list[tuple[str, Path, bool]]:
    """(folder, path, body_only) of every labelled corpus message."""
    out = []
    for folder in ("bounces", "complaints", "autoreplies", "replies"):
        files = json.loads((CORPUS / folder / "labels.json").read_text())["files"]
        out += [
            (folder, CORPUS / folder / name, "body-only" in (label.get("format") or ""))
            for name, label in sorted(files.items())
        ]
    return out


def _wrap_reply(body: bytes, *, sender: str, to: str) -> bytes:
    """A body-only reply sample as the message a subscriber's client would send."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = "Re: Partnership news"
    msg["Message-ID"] = make_msgid(domain="example.org")
    msg.set_content(body.decode("utf-8", "replace"))
    return msg.as_bytes()


def build_jobs(
    campaign_id: int, subscribers: list[tuple[int, str]], ann_ids: list[int]
) -> list[Job]:
    """One delivery per corpus file, addressed with genuine tokens of the seeded campaign."""
    from service.addressing.tokens import codec
    from service.settings import get_settings

    s, tok, rng = get_settings(), codec(), random.Random(7)
    jobs: list[Job] = []
    for folder, path, body_only in corpus_files():
        sid, email = rng.choice(subscribers)
        raw = path.read_bytes()
        if folder in ("bounces", "complaints"):
            jobs.append(("", [f"bounces+{tok.verp(campaign_id, sid)}@{s.bounce_domain}"], raw))
            continue
        ann = rng.choice([0, *ann_ids])
        to = f"reply+{tok.reply(campaign_id, sid, ann)}@{s.reply_domain}"
        if body_only:
            raw = _wrap_reply(raw, sender=email, to=to)
        jobs.append((email, [to], raw))
    rng.shuffle(jobs)
    return jobs


def seed_world() -> tuple[int, list[tuple[int, str]], list[int]]:
    """Demo coordinators, announcements, 300 subscribers and a campaign to mint tokens for."""
    from sqlmodel import select

    from service.db import session_scope
    from service.demo.seed import seed
    from service.models import Announcement, Subscriber
    from service.settings import get_settings

    with session_scope() as session:
        summary = seed(session, secret=get_settings().secret_bytes, subscribers=300)
        people = [(p.id or 0, p.email) for p in session.exec(select(Subscriber))]
        anns = [a.id or 0 for a in session.exec(select(Announcement))]
    return summary.campaign_id, people, anns


def worker_main(ids: Any, results: Any) -> None:
    """A processing process: calls the Celery task's function body for each stored id."""
    import logging

    logging.disable(logging.CRITICAL)  # flufl.bounce logs tracebacks for odd reports
    from service.db import reset_engine
    from workers.tasks.inbound import process_inbound_message

    reset_engine()
    while (message_id := ids.get()) is not None:
        outcome = process_inbound_message(message_id)  # runs in this process, no broker
        results.put((outcome["kind"], outcome["action"], time.time()))


def client_main(port: int, jobs: list[Job], connections: int, started: Any, cpu: Any) -> None:
    """The sending MTA: `connections` parallel SMTP sessions, several messages per session."""
    started.value = time.time()

    def run(share: list[Job]) -> None:
        with smtplib.SMTP("127.0.0.1", port) as client:
            for mail_from, rcpts, raw in share:
                client.sendmail(mail_from, rcpts, raw)

    threads = [
        threading.Thread(target=run, args=(jobs[i::connections],)) for i in range(connections)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cpu.value = time.process_time()


def configure(url: str, sink_port: int) -> None:
    """Environment for this process and the ones it forks."""
    from service.db import reset_engine
    from service.settings import reset_settings

    os.environ.update(
        {
            "NEWSDESK_DATABASE_URL": url,
            "NEWSDESK_SECRET_KEY": SECRET,
            "NEWSDESK_SMTP_URL": f"smtp://127.0.0.1:{sink_port}",
            "NEWSDESK_TRIAGE_COORDINATOR_ID": "1",
        }
    )
    reset_settings()
    reset_engine()


def main() -> None:
    """Seed, start sink, receiver and workers, deliver the mix, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    from service.demo.capture import MailCapture

    ctx = mp.get_context("fork")
    with MailCapture(Path(f"/tmp/bench-inbound-sink-{os.getpid()}")) as sink:
        configure(args.database_url, sink.port)
        fresh_database(args.database_url)
        jobs = build_jobs(*seed_world())
        ids, results = ctx.Queue(), ctx.Queue()
        workers = [
            ctx.Process(target=worker_main, args=(ids, results)) for _ in range(args.workers)
        ]
        for w in workers:
            w.start()
        _run(args, jobs, ids, results, ctx, sink)
        for _ in workers:
            ids.put(None)
        for w in workers:
            w.join()
        worker_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(
            f"CPU ms/message in the workers: "
            f"{(worker_cpu.ru_utime + worker_cpu.ru_stime) / len(jobs) * 1000:.2f} "
            "(all child processes; includes the client above)"
        )


def _run(
    args: argparse.Namespace, jobs: list[Job], ids: Any, results: Any, ctx: Any, sink: Any
) -> None:
    """Receive with the real SMTP receiver; wait until every message is processed."""
    from service.db import reset_engine
    from service.inbound.intake.smtp_receiver import InboundHandler, make_controller

    reset_engine()  # the forked workers have their own connections
    port = free_port()
    stored_at: list[float] = []

    def after_stored(message_id: int) -> None:
        stored_at.append(time.time())
        ids.put(message_id)

    controller = make_controller(
        handler=InboundHandler(after_stored=after_stored), hostname="127.0.0.1", port=port
    )
    controller.start()
    started, client_cpu = ctx.Value("d", 0.0), ctx.Value("d", 0.0)
    main_cpu = time.process_time()
    load_before = os.getloadavg()
    client = ctx.Process(
        target=client_main, args=(port, jobs, args.connections, started, client_cpu)
    )
    client.start()
    done = [results.get(timeout=120) for _ in jobs]
    client.join()
    controller.stop()
    main_cpu = time.process_time() - main_cpu
    print(
        f"CPU ms/message: receiver+store {main_cpu / len(jobs) * 1000:.2f}, "
        f"SMTP client {client_cpu.value / len(jobs) * 1000:.2f}"
    )
    _report(jobs, done, stored_at, started.value, load_before, len(sink.captured), args)


def _report(
    jobs: list[Job],
    done: list[tuple[str, str, float]],
    stored_at: list[float],
    started: float,
    load_before: tuple[float, float, float],
    handoffs: int,
    args: argparse.Namespace,
) -> None:
    """Print the figures; the last line is the headline."""
    total = max(t for *_, t in done) - started
    received = max(stored_at) - started
    kinds = Counter(kind for kind, *_ in done)
    actions = Counter(action.split(" ")[0] for _, action, *_ in done)
    size = sum(len(raw) for *_, raw in jobs) / len(jobs)
    print(f"messages: {len(jobs)} (mean {size / 1024:.1f} KiB) from {CORPUS}")
    print(f"kinds: {dict(kinds)}")
    print(f"actions: {dict(actions)}; mails sent to the sink (hand-offs, acks): {handoffs}")
    print(f"workers: {args.workers} processes; SMTP connections: {args.connections}")
    print(f"received+stored: {len(stored_at) / received:.1f} messages/s ({received:.2f} s)")
    print(f"load average before: {load_before}; after: {os.getloadavg()}; cpus: {os.cpu_count()}")
    print(f"end to end: {total:.2f} s")
    print(f"messages_per_s={len(done) / total:.1f}")


if __name__ == "__main__":
    main()
