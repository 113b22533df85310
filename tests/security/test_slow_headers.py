"""Finding 4 (slow headers): a client trickling its request head is cut off at the deadline.

Slowloris: open a connection, send a request line, then one header byte per second. uvicorn has
no header-read timeout, so on the old code the connection stayed open as long as the attacker
kept dribbling (and one that sent nothing at all stayed open forever). The server here is
started the way compose starts it (`newsdesk api --workers 2 --proxy-headers` after
`newsdesk db upgrade`), with NEWSDESK_HEADER_TIMEOUT_S=2; the attacker is a raw socket.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.demo.capture import free_port
from tests.conftest import TEST_SECRET, postgres_url
from tests.integration.live_stack import reset_postgres

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_S = 2.0
SLACK_S = 2.5  # timer granularity and a busy box


def _serve(command: list[str], env: dict[str, str]) -> Iterator[int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, *command, "--port", str(port)] if "-m" in command else
        [sys.executable, "-c", command[0].replace("PORT", str(port))],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                    break
            except OSError:
                assert proc.poll() is None, "the server did not start"
                assert time.monotonic() < deadline, "the server did not answer in time"
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def server_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A migrated database; the servers below start once for the module (the box is slow)."""
    url = postgres_url()
    reset_postgres(url)
    env = {**os.environ, "NEWSDESK_DATABASE_URL": url, "NEWSDESK_SECRET_KEY": TEST_SECRET,
           "NEWSDESK_HEADER_TIMEOUT_S": str(DEADLINE_S),
           "NEWSDESK_BROKER_DIR": str(tmp_path_factory.mktemp("broker"))}  # fmt: skip
    upgraded = subprocess.run(
        [sys.executable, "-m", "service.cli", "db", "upgrade"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert upgraded.returncode == 0, upgraded.stderr
    return env


@pytest.fixture(scope="module")
def api(server_env: dict[str, str]) -> Iterator[int]:
    """`newsdesk api` as compose runs it (two uvicorn workers, proxy headers)."""
    args = ["-m", "service.cli", "api", "--host", "127.0.0.1", "--workers", "2", "--proxy-headers"]
    yield from _serve(args, server_env)


def _closed_after(sock: socket.socket, trickle: bytes, limit_s: float) -> tuple[float, bytes]:
    """Send `trickle` one byte a second until the server closes; (seconds, what it answered)."""
    started, answer = time.monotonic(), b""
    for byte in trickle:
        readable, _, _ = select.select([sock], [], [], 1.0)
        if readable:
            return time.monotonic() - started, _drain(sock)
        assert time.monotonic() - started < limit_s, "the server kept the slow head open"
        try:
            sock.send(bytes([byte]))
        except OSError:  # reset by the server
            return time.monotonic() - started, answer
    raise AssertionError("the attacker finished its head before the server reacted")


def _drain(sock: socket.socket) -> bytes:
    """Everything the server sent until it closed."""
    data = b""
    try:
        while chunk := sock.recv(4096):
            data += chunk
    except ConnectionResetError:
        pass
    sock.close()
    return data


def _healthy(port: int) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as answer:
        return bool(answer.status == 200)


def test_headers_one_byte_a_second_are_cut_off_while_others_are_served(api: int) -> None:
    attackers = [socket.create_connection(("127.0.0.1", api), timeout=5) for _ in range(20)]
    for sock in attackers[1:]:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    watched = attackers[0]
    watched.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    assert _healthy(api), "a normal request on another connection is answered"
    elapsed, answer = _closed_after(watched, b"X-Slow: " + b"a" * 60, DEADLINE_S + SLACK_S)
    assert elapsed <= DEADLINE_S + SLACK_S
    assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
    assert _healthy(api)
    for sock in attackers[1:]:  # every other slow head was answered 408 and closed too
        readable, _, _ = select.select([sock], [], [], 1.0)
        assert readable, "a slow head is still open after the deadline"
        assert _drain(sock).startswith(b"HTTP/1.1 408")


def test_a_connection_that_sends_nothing_is_closed(api: int) -> None:
    sock = socket.create_connection(("127.0.0.1", api), timeout=5)
    started = time.monotonic()
    readable, _, _ = select.select([sock], [], [], DEADLINE_S + SLACK_S)
    assert readable, "an idle new connection was kept open past the head deadline"
    assert time.monotonic() - started >= DEADLINE_S * 0.8
    sock.close()


def test_a_slow_second_head_on_a_kept_alive_connection_is_cut_off(api: int) -> None:
    sock = socket.create_connection(("127.0.0.1", api), timeout=5)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    first = b""
    while b"\r\n\r\n" not in first:
        first += sock.recv(4096)
    assert first.startswith(b"HTTP/1.1 200")
    time.sleep(0.5)  # drain the first answer's body
    sock.setblocking(False)
    with contextlib.suppress(BlockingIOError):
        sock.recv(65536)
    sock.setblocking(True)
    elapsed, answer = _closed_after(
        sock, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X" * 60, DEADLINE_S + SLACK_S
    )
    assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
    assert elapsed <= DEADLINE_S + SLACK_S


def test_the_h11_parser_has_the_same_deadline(server_env: dict[str, str]) -> None:
    """Without httptools uvicorn falls back to h11; the deadline comes with it."""
    code = (
        "import uvicorn; uvicorn.run('service.api.app:app', host='127.0.0.1', port=PORT, "
        "http='service.http_server:H11HeadDeadline', log_level='warning')"
    )
    for port in _serve([code], server_env):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        elapsed, answer = _closed_after(sock, b"Host: x\r\n" + b"a" * 60, DEADLINE_S + SLACK_S)
        assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
        assert elapsed <= DEADLINE_S + SLACK_S
        assert _healthy(port)
