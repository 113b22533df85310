"""The relay measured alone: Postfix's smtp-source against bench/relay.py and against smtp-sink.

Run: .venv/bin/python -m bench.relay --ceiling [--uvloop]
Prints messages/s and the relay's CPU per message for: the bare relay (no latency, refusals or
limits), the same with 20 ms per message and 50 sessions (latency-bound: 50 / 22.5 ms ~ 2,200/s
if the relay itself keeps up), and smtp-sink beside them. smtp-source speaks plaintext only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.procstats import cpu_seconds

SIZE = 56_000  # bytes of payload, about one of our editions


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_listening(port: int) -> None:
    import socket

    for _ in range(200):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    sys.exit(f"nothing listens on {port}")


def source(port: int, *, sessions: int, count: int) -> float:
    """Messages/s that smtp-source reaches, reusing each session (-d)."""
    started = time.perf_counter()
    subprocess.run(
        ["smtp-source", "-d", "-s", str(sessions), "-l", str(SIZE), "-m", str(count),
         "-f", "bench@example.org", "-t", "sink@example.org", f"127.0.0.1:{port}"],
        check=True,
    )  # fmt: skip
    return count / (time.perf_counter() - started)


def run_relay(extra: list[str], *, sessions: int, count: int, uvloop: bool) -> tuple[float, float]:
    """(messages/s, relay CPU ms per message) for one relay configuration."""
    port = _free_port()
    work = Path(tempfile.mkdtemp(prefix="relay-ceiling-"))
    command = [sys.executable, "-m", "bench.relay", "--port", str(port), "--no-tls",
               "--log", str(work / "relay.log"), *extra]  # fmt: skip
    if uvloop:
        command.append("--uvloop")
    relay = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        _wait_listening(port)
        before = cpu_seconds(relay.pid)
        rate = source(port, sessions=sessions, count=count)
        cpu = cpu_seconds(relay.pid) - before
    finally:
        relay.terminate()
        relay.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    return rate, cpu * 1000 / count


def run_sink(*, sessions: int, count: int) -> tuple[float, float]:
    """(messages/s, sink CPU ms per message) for Postfix's smtp-sink."""
    port = _free_port()
    sink = subprocess.Popen(["smtp-sink", "-u", "nobody", f"127.0.0.1:{port}", "1024"])
    try:
        _wait_listening(port)
        before = cpu_seconds(sink.pid)
        rate = source(port, sessions=sessions, count=count)
        cpu = cpu_seconds(sink.pid) - before
    finally:
        sink.terminate()
        sink.wait(10)
    return rate, cpu * 1000 / count


def measure(*, uvloop: bool) -> None:
    """Print the relay's ceiling beside smtp-sink's, with the load average."""
    if shutil.which("smtp-source") is None:
        sys.exit("smtp-source not found: apt-get install postfix")
    loop = "uvloop" if uvloop else "asyncio"
    realistic = [
        "--data-latency-s",
        "0.020",
        "--rcpt-latency-s",
        "0.002",
        "--jitter-s",
        "0.005",
        "--temporary-share",
        "0",
        "--permanent-share",
        "0",
        "--drop-share",
        "0",
        "--max-connections-per-client",
        "0",
        "--max-messages-per-connection",
        "0",
    ]
    rows = [
        ("smtp-sink, 4 sessions", *run_sink(sessions=4, count=20_000)),
        (f"relay bare ({loop}), 4 sessions", *run_relay(["--bare"], sessions=4,
                                                        count=20_000, uvloop=uvloop)),
        (f"relay bare ({loop}), 50 sessions", *run_relay(["--bare"], sessions=50,
                                                         count=20_000, uvloop=uvloop)),
        (f"relay 20 ms/msg ({loop}), 50 sessions", *run_relay(realistic, sessions=50,
                                                              count=10_000, uvloop=uvloop)),
    ]  # fmt: skip
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    for name, rate, cpu in rows:
        print(f"{name:40s} {rate:8.0f} msg/s  server CPU {cpu:.3f} ms/msg  (load {load})")
    bare = rows[1]
    print(f"relay_ceiling_per_s={bare[1]:.0f} relay_cpu_ms_per_message={bare[2]:.3f} "
          f"sink_per_s={rows[0][1]:.0f} latency_bound_per_s={rows[3][1]:.0f}")  # fmt: skip
