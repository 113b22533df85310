"""A live stack for the inbox's browser tests: PostgreSQL, Redis, worker, receiver, server, SMTP.

Everything real: the newsroom is a `uvicorn` process, a Celery worker (prefork, on Redis)
processes inbound mail and sends answers through the outbox into an aiosmtpd capture (the
subscribers' and coordinators' mailboxes), and replies reach the inbound SMTP receiver over
SMTP. Its database is `<test database>_inbox_e2e`, apart from the shared newsroom fixture's.
"""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import redis

from service.db import reset_engine
from service.demo.capture import MailCapture, free_port
from service.demo.run import start_worker, stop_worker
from service.inbound.intake.smtp_receiver import InboundHandler, make_controller
from service.mail.dkim_keys import write_demo_key
from service.settings import get_settings, reset_settings
from tests.conftest import TEST_SECRET
from tests.support.live import sibling_database, wait_for

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class InboxStack:
    """Handles on the running parts."""

    base: str
    database_url: str
    capture: MailCapture
    receiver_port: int
    dkim_record: Path
    var: Path

    def url(self, path: str) -> str:
        """An absolute newsroom URL."""
        return self.base + path

    def send_reply(self, raw: bytes, *, mail_from: str, rcpt: str) -> None:
        """Deliver a message to the inbound receiver as an MTA would."""
        with smtplib.SMTP("127.0.0.1", self.receiver_port) as client:
            assert client.sendmail(mail_from, [rcpt], raw) == {}

    def mails_to(self, address: str) -> list[bytes]:
        """Exact bytes of everything the capture accepted for `address`."""
        return [m.data for m in list(self.capture.captured) if address in m.rcpt_tos]


def _database(base_url: str) -> str:
    """`<name>_inbox_e2e`, created when missing, emptied and migrated."""
    return sibling_database(base_url, "inbox_e2e")


@contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    """This process uses the stack's settings too (the receiver stores, tests seed)."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    reset_settings()
    reset_engine()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reset_engine()
        reset_settings()


@contextmanager
def _receiver() -> Iterator[int]:
    """The real inbound SMTP receiver; every stored message is published to the worker."""
    from workers.celery_app import make_celery

    def enqueue(message_id: int) -> None:
        make_celery(get_settings()).send_task("newsdesk.process_inbound", args=[message_id])

    port = free_port()
    controller = make_controller(handler=InboundHandler(after_stored=enqueue),
                                 hostname="127.0.0.1", port=port)  # fmt: skip
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@contextmanager
def _server(env: dict[str, str], var: Path) -> Iterator[str]:
    """`uvicorn service.api.app:app` on a free port."""
    port = int(env["NEWSDESK_PUBLIC_URL"].rsplit(":", 1)[1])
    log = (var / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "service.api.app:app", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log"],
        cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if process.poll() is not None:
            raise AssertionError((var / "server.log").read_text()[-3000:])
        try:
            return httpx.get(base + "/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(up, 30, "the newsroom server")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@contextmanager
def inbox_stack(var: Path, *, database_url: str, broker_url: str) -> Iterator[InboxStack]:
    """Start everything; tear it down in reverse."""
    database = _database(database_url)
    redis.Redis.from_url(broker_url).flushdb()  # our own db: no stale tasks from earlier runs
    key, record = write_demo_key(var, selector="nd2026", domain="news.partnership.example.org")
    with MailCapture(var / "maildir") as capture:
        env = {
            "NEWSDESK_DATABASE_URL": database, "NEWSDESK_BROKER_URL": broker_url,
            "NEWSDESK_REDIS_URL": broker_url, "NEWSDESK_BROKER_DIR": str(var / "broker"),
            "NEWSDESK_SECRET_KEY": TEST_SECRET, "NEWSDESK_SMTP_URL": f"smtp://127.0.0.1:{capture.port}",
            "NEWSDESK_DKIM_PRIVATE_KEY_PATH": str(key),
            "NEWSDESK_PUBLIC_URL": f"http://127.0.0.1:{free_port()}",
            "NEWSDESK_LOGIN_MAX_PER_NETWORK": "100000",
            # production-shaped (PostgreSQL + Redis): the API refuses to start without one
            "NEWSDESK_ADMIN_TOKEN": "inbox-e2e-admin-token-0123456789",
        }  # fmt: skip
        with _environment(env), _receiver() as port:
            worker = start_worker(var, env, concurrency=2, beat=False)
            try:
                with _server(env, var) as base:
                    yield InboxStack(base, database, capture, port, record, var)
            finally:
                stop_worker(worker)
