"""Benchmark: one process builds, signs and sends N messages over one pooled connection.

Target: Postfix's C `smtp-sink` on loopback (aiosmtpd cannot keep up). Prints messages/s and
CPU ms per message for sending alone and for build+sign+send, last line
`send_per_s=<x> build_send_per_s=<y>`.
Run: PYTHONPATH=. python bench/smtp_transport.py [N]
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from service.mail.compose import EditionSkeleton, Recipient
from service.mail.dkim_keys import generate_keypair
from service.mail.smtp_pool import SendOutcome, SmtpPool
from service.settings import Settings
from tests.mail_samples import sample_edition


def _free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_sink(port: int) -> subprocess.Popen[bytes]:
    """smtp-sink on loopback; as root it must drop to a user."""
    sink = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
    user = ["-u", "postfix"] if os.geteuid() == 0 else []
    proc = subprocess.Popen([sink, *user, f"127.0.0.1:{port}", "256"])
    for _ in range(50):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("smtp-sink did not start")


def _timed(fn, n: int) -> tuple[float, float]:
    """(messages per second wall, CPU ms per message)."""
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - wall), (time.process_time() - cpu) / n * 1e3


def main() -> None:
    """Run both measurements against one sink."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    port = _free_port()
    sink = _start_sink(port)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            key = Path(tmp) / "k.pem"
            key.write_bytes(generate_keypair()[0])
            settings = Settings(
                secret_key="bench-secret-0123456789abcdefgh", dkim_private_key_path=key,
                smtp_url=f"smtp://127.0.0.1:{port}",
            )  # fmt: skip
            sk = EditionSkeleton.build(
                edition=sample_edition(), subject="Neuigkeiten", language="de", campaign_id=1,
                list_id="ecr", list_name="ECR", announcement_ids=(1, 2, 3), settings=settings,
            )  # fmt: skip
            who = lambda i: Recipient(i, f"r{i}@example.org", "Ada", tracking=True)  # noqa: E731
            built = [sk.message_for(who(i)) for i in range(n)]
            pool = SmtpPool(settings)
            assert pool.send(built[0]).outcome is SendOutcome.SENT
            send_rate, send_cpu = _timed(lambda i: pool.send(built[i]), n)
            both_rate, both_cpu = _timed(lambda i: pool.send(sk.message_for(who(i))), n)
            pool.close()
    finally:
        sink.terminate()
        sink.wait(timeout=5)
    print(f"messages={n} bytes_each={len(built[0].data)} connections={pool.connections_opened}")
    print(f"send only: {send_rate:.0f}/s, {send_cpu:.3f} CPU ms/message")
    print(f"build+sign+send: {both_rate:.0f}/s, {both_cpu:.3f} CPU ms/message")
    print(f"send_per_s={send_rate:.0f} build_send_per_s={both_rate:.0f}")


if __name__ == "__main__":
    main()
