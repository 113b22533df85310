"""The processes compose.yaml runs, each its own OS process through its `newsdesk` command.

api, two workers (separate working directories, as on two hosts), beat and the inbound SMTP
receiver, against PostgreSQL, Redis and a loopback SMTP capture in the test process.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller

from tests.acceptance.installed import Installed
from tests.support.ports import free_port
from tests.support.waiting import wait_for

SECRET = "acceptance-secret-0123456789abcdef0123456789"
ADMIN_TOKEN = "acceptance-admin-token"
WEBHOOK_TOKEN = "acceptance-inbound-token"
REPLY_DOMAIN = "reply.news.partnership.example.org"
BOUNCE_DOMAIN = "bounces.news.partnership.example.org"


@dataclass
class Captured:
    """One SMTP transaction the capture accepted."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        """The parsed message."""
        msg = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        return msg


@dataclass
class _Handler:
    delay_s: float = 0.0
    mails: list[Captured] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)  # a slow relay, to catch a campaign mid-send
        with self.lock:
            self.mails.append(
                Captured(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
        return "250 OK"


class SmtpCapture:
    """aiosmtpd on a free loopback port, keeping every message in memory."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.handler = _Handler(delay_s)
        self.port = free_port()
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, decode_data=False
        )

    def to(self, address: str) -> list[Captured]:
        """Messages whose envelope recipient is `address`."""
        with self.handler.lock:
            return [m for m in self.handler.mails if address in m.rcpt_tos]

    @property
    def mails(self) -> list[Captured]:
        """Everything received so far."""
        with self.handler.lock:
            return list(self.handler.mails)


@dataclass
class Stack:
    """Handles on the running processes and how to reach them."""

    installed: Installed
    env: dict[str, str]
    root: Path
    capture: SmtpCapture
    api_port: int
    inbound_port: int
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    metrics_ports: dict[str, int] = field(default_factory=dict)  # worker name -> its /metrics

    @property
    def base_url(self) -> str:
        """The API's address (also PUBLIC_URL, so links in mail point here)."""
        return f"http://127.0.0.1:{self.api_port}"

    def http(self) -> httpx.Client:
        """An admin client for the API."""
        return httpx.Client(
            base_url=self.base_url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30
        )

    def cli(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """Run `newsdesk ARGS` as an operator would."""
        return subprocess.run(
            [self.installed.newsdesk, *args],
            cwd=cwd or self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def start(self, name: str, *args: str, extra_env: dict[str, str] | None = None) -> None:
        """Start `newsdesk ARGS` in its own working directory, logging to NAME.log."""
        workdir = self.root / name
        workdir.mkdir(exist_ok=True)
        log = open(self.root / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.processes[name] = subprocess.Popen(
            [self.installed.newsdesk, *args],
            cwd=workdir,
            env={**self.env, **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self, name: str, timeout_s: float = 30) -> int:
        """SIGTERM, wait; SIGKILL the group if it lingers. Returns the exit code."""
        process = self.processes.pop(name)
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            return process.wait()

    def log(self, name: str) -> str:
        """What the process printed."""
        path = self.root / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def check_alive(self) -> None:
        """Fail with the log of any process that exited."""
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise AssertionError(
                    f"`newsdesk` {name} exited with {process.returncode}:\n{self.log(name)[-4000:]}"
                )


def stack_env(
    installed: Installed, *, database_url: str, broker_url: str, redis_url: str | None,
    smtp_port: int, api_port: int, inbound_port: int, dkim_key: Path,
) -> dict[str, str]:  # fmt: skip
    """The environment compose.yaml gives every service, pointed at loopback services."""
    # Absolute: workers run in working directories of their own, as on separate hosts.
    optional = {"NEWSDESK_REDIS_URL": redis_url} if redis_url else {}
    return {
        **optional,
        "NEWSDESK_BROKER_DIR": str(dkim_key.parent.parent / "broker"),
        "PATH": f"{installed.venv / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        "NEWSDESK_DATABASE_URL": database_url,
        "NEWSDESK_BROKER_URL": broker_url,
        "NEWSDESK_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "NEWSDESK_PUBLIC_URL": f"http://127.0.0.1:{api_port}",
        "NEWSDESK_SECRET_KEY": SECRET,
        "NEWSDESK_ADMIN_TOKEN": ADMIN_TOKEN,
        "NEWSDESK_INBOUND_WEBHOOK_TOKEN": WEBHOOK_TOKEN,
        "NEWSDESK_DKIM_PRIVATE_KEY_PATH": str(dkim_key),
        "NEWSDESK_INBOUND_LISTEN_PORT": str(inbound_port),
        "NEWSDESK_SCAN_INTERVAL_S": "0.5",
        "NEWSDESK_LOG_FORMAT": "json",
        "NEWSDESK_TRACKING_INGEST_INTERVAL_S": "1",
        "NEWSDESK_SCANNER_WINDOW_S": "0",
        "NEWSDESK_SEND_BATCH_SIZE": "5",
        "NEWSDESK_RECHECK_EVERY": "2",
        "NEWSDESK_TASK_SOFT_TIME_LIMIT_S": "20",  # tests/acceptance/test_processes.py
        # one complaint among six readers is 16.7%; the block rule (F4) is tested elsewhere
        "NEWSDESK_COMPLAINT_BLOCK_RATE": "0.5",
        "NEWSDESK_COMPLAINT_WARN_RATE": "0.4",
    }


@contextmanager
def running_stack(installed: Installed, root: Path, *, database_url: str, broker_url: str,
                  redis_url: str | None, dkim_key: Path,
                  smtp_delay_s: float = 0.0) -> Iterator[Stack]:  # fmt: skip
    """Migrate, then start api, two workers, beat and inbound serve; stop them all after."""
    capture = SmtpCapture(smtp_delay_s)
    capture.controller.start()
    api_port, inbound_port = free_port(), free_port()
    env = stack_env(
        installed, database_url=database_url, broker_url=broker_url, redis_url=redis_url,
        smtp_port=capture.port, api_port=api_port, inbound_port=inbound_port, dkim_key=dkim_key,
    )  # fmt: skip
    stack = Stack(installed, env, root, capture, api_port, inbound_port)
    try:
        migrated = stack.cli("db", "upgrade")
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        stack.start("api", "api", "--host", "127.0.0.1", "--port", str(api_port))
        stack.metrics_ports = {"worker-a": free_port(), "worker-b": free_port()}
        for name, concurrency in (("worker-a", "2"), ("worker-b", "1")):
            port = str(stack.metrics_ports[name])
            stack.start(name, "worker", "--concurrency", concurrency, "--metrics-port", port)
        stack.start("beat", "beat")
        stack.start("inbound", "inbound", "serve", "--host", "127.0.0.1")
        wait_for(lambda: _answers(stack), 60, "the API to answer /healthz")
        wait_for(lambda: _listens(inbound_port), 30, "the inbound receiver to listen")
        stack.check_alive()
        yield stack
    finally:
        for name in list(stack.processes):
            stack.stop(name)
        capture.controller.stop()


def _answers(stack: Stack) -> bool:
    stack.check_alive()
    try:
        return httpx.get(f"{stack.base_url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _listens(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
