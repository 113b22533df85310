"""Finding 4: no body is read before the credential; bodies are capped per route and timed.

A live uvicorn process serving the full app on a free port, spoken to over a raw socket so the
test controls exactly how much of a body it sends.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.demo.capture import free_port
from tests.conftest import TEST_SECRET, _fresh_schema, postgres_url

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "a-real-admin-token-0123456789"


@pytest.fixture
def server(configured: Path) -> Iterator[int]:
    url = postgres_url()
    _fresh_schema(url)
    port = free_port()
    env = {**os.environ, "NEWSDESK_DATABASE_URL": url, "NEWSDESK_SECRET_KEY": TEST_SECRET,
           "NEWSDESK_ADMIN_TOKEN": TOKEN, "NEWSDESK_BODY_CHUNK_TIMEOUT_S": "1"}  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "service.api.app:app", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _start(port: int, path: str, length: int, *, token: str | None = None) -> socket.socket:
    """Send the request line and headers, and 1 KB of a `length`-byte body."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{auth}"
        f"Content-Length: {length}\r\n\r\n"
    )
    sock.sendall(head.encode() + b"{" + b" " * 1023)
    return sock


def _status(sock: socket.socket) -> int:
    """The status the server answered with, without sending the rest of the body."""
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    sock.close()
    return int(data.split(b" ", 2)[1]) if data else 0


def test_no_token_is_refused_before_the_body(server: int) -> None:
    assert _status(_start(server, "/api/campaigns", 100 * 1024 * 1024)) == 401


def test_an_admin_body_over_the_cap_is_refused_unread(server: int) -> None:
    assert _status(_start(server, "/api/campaigns", 5 * 1024 * 1024, token=TOKEN)) == 413


def test_a_stalled_body_times_out(server: int) -> None:
    assert _status(_start(server, "/api/campaigns", 4096, token=TOKEN)) == 408


def test_the_api_still_answers_in_full(server: int) -> None:
    sock = socket.create_connection(("127.0.0.1", server), timeout=5)
    sock.sendall(
        f"GET /api/campaigns HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode()
    )
    assert _status(sock) == 200
