"""Which way to keep many transactions in flight: measured, one process, into the realistic relay.

Every option builds, fills and DKIM-signs (RSA-2048) each message in one thread, as the sender
does, and sends it to bench/relay.py with 20 ms after DATA, 2 ms per RCPT, 5 ms jitter and
STARTTLS (no refusals or drops here: the options are compared on the same work). Options:
one smtplib connection (before), smtplib on K sender threads (the pool's `send` from the
sender's window), and aiosmtplib with K connections on one event loop (needs
`pip install aiosmtplib`; skipped with a note otherwise). Prints messages/s and process CPU ms
per message (all threads), with the load average.

Run: .venv/bin/python -m bench.send_concurrency [--messages 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.procstats import cpu_seconds
from bench.relay_ceiling import _free_port, _wait_listening
from service.campaigns.inflight import Window
from service.mail.compose import EditionSkeleton, OutgoingMessage, Recipient
from service.mail.dkim_keys import generate_keypair
from service.mail.smtp_pool import SendOutcome, SmtpPool
from service.settings import Settings
from tests.mail_samples import sample_edition

Build = Callable[[int], OutgoingMessage]


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def threads(settings: Settings, build: Build, n: int, k: int) -> tuple[float, float]:
    """smtplib on k sender threads through the pool; (messages/s, CPU ms per message)."""
    pool = SmtpPool(settings.model_copy(update={"smtp_connections": k}))
    window: Window[int] = Window(pool.send, k)
    wall, cpu, failed = time.perf_counter(), time.process_time(), []
    for i in range(n):
        failed += [r for _, _, r in window.submit(i, build(i)) if r.outcome != SendOutcome.SENT]
    failed += [r for _, _, r in window.drain() if r.outcome != SendOutcome.SENT]
    result = n / (time.perf_counter() - wall), (time.process_time() - cpu) / n * 1e3
    pool.close()
    assert not failed, f"{len(failed)} of {n} not accepted, e.g. {failed[:3]}"
    return result


def aio(settings: Settings, build: Build, n: int, k: int, cafile: Path) -> tuple[float, float]:
    """aiosmtplib, k connections on one loop; building and signing on the loop as well."""
    import aiosmtplib

    target = settings.smtp

    async def worker(queue: asyncio.Queue[OutgoingMessage | None]) -> int:
        context = ssl.create_default_context(cafile=str(cafile))
        client = aiosmtplib.SMTP(hostname=target.host, port=target.port, start_tls=True,
                                 tls_context=context)  # fmt: skip
        await client.connect()
        done = 0
        while (message := await queue.get()) is not None:
            await client.sendmail(message.envelope_from, [message.rcpt], message.data)
            done += 1
        await client.quit()
        return done

    async def main() -> int:
        queue: asyncio.Queue[OutgoingMessage | None] = asyncio.Queue(maxsize=k)
        tasks = [asyncio.ensure_future(worker(queue)) for _ in range(k)]
        for i in range(n):
            await queue.put(build(i))
        for _ in range(k):
            await queue.put(None)
        return sum(await asyncio.gather(*tasks))

    wall, cpu = time.perf_counter(), time.process_time()
    sent = asyncio.run(main())
    assert sent == n
    return n / (time.perf_counter() - wall), (time.process_time() - cpu) / n * 1e3


def main() -> None:
    """Start the relay, run every option, print a table and the choice's figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--uvloop", action="store_true", help="run the relay on uvloop")
    args = parser.parse_args()
    port, work = _free_port(), Path(tempfile.mkdtemp(prefix="send-concurrency-"))
    relay = subprocess.Popen(
        [sys.executable, "-m", "bench.relay", "--port", str(port), "--cert-dir", str(work),
         "--temporary-share", "0", "--permanent-share", "0", "--drop-share", "0",
         "--max-messages-per-connection", "0", *(["--uvloop"] if args.uvloop else [])],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert relay.stdout is not None
        cert = Path(relay.stdout.readline().split()[1])
        _wait_listening(port)
        before = cpu_seconds(relay.pid)
        total = run_all(port, cert, work, args.messages)
        relay_ms = (cpu_seconds(relay.pid) - before) * 1000 / total
        print(f"relay CPU {relay_ms:.3f} ms/message ({'uvloop' if args.uvloop else 'asyncio'})")
    finally:
        relay.terminate()
        relay.wait(10)


def run_all(port: int, cert: Path, work: Path, n: int) -> int:
    """Every option in turn; returns how many messages were sent in all."""
    key = work / "dkim.pem"
    key.write_bytes(generate_keypair()[0])
    settings = Settings(
        secret_key="bench-secret-0123456789abcdefgh", dkim_private_key_path=key,
        smtp_url=f"smtp://127.0.0.1:{port}?starttls=1", smtp_ca_file=cert,
    )  # fmt: skip
    sk = EditionSkeleton.build(
        edition=sample_edition(), subject="Neuigkeiten", language="de", campaign_id=1,
        list_id="ecr", list_name="ECR", announcement_ids=(1, 2, 3), settings=settings,
    )  # fmt: skip

    def build(i: int) -> OutgoingMessage:
        return sk.message_for(Recipient(i, f"r{i}@example.org", "Ada", tracking=True))

    rows = [("smtplib, 1 connection (before)", threads(settings, build, max(200, n // 10), 1))]
    for k in (4, 8, 16):
        rows.append((f"smtplib, {k} sender threads", threads(settings, build, n, k)))
    try:
        import aiosmtplib  # noqa: F401

        for k in (8, 16):
            rows.append((f"aiosmtplib, {k} connections", aio(settings, build, n, k, cert)))
    except ImportError:
        print("aiosmtplib not installed: pip install aiosmtplib to compare it")
    print(f"{len(build(0).data)} bytes per message, DKIM RSA-2048, STARTTLS, 20 ms after DATA")
    for name, (rate, cpu) in rows:
        print(f"{name:34s} {rate:7.0f} msg/s  {cpu:.3f} CPU ms/message  (load {_load()})")
    return max(200, n // 10) + 3 * n + (2 * n if len(rows) > 4 else 0)


if __name__ == "__main__":
    main()
