"""A loopback SMTP relay that behaves like a real one, for benchmarks and tests.

A sink that accepts everything at once gives flattering figures (KumoMTA's performance guide
says so); a real relay pushes back. This one answers with latency (20 ms after the end of DATA,
2 ms per RCPT, plus jitter), offers STARTTLS with a fresh test certificate, asks for AUTH
PLAIN/LOGIN, refuses a share of recipients with 4xx (451, 421) and 5xx (550 5.1.1, 552,
554 5.7.1), chosen by a hash of the recipient, closes connections after N messages or when
idle, drops one connection now and then at the end of DATA, and answers 421 above a number of
concurrent connections per client. Every accepted message is logged (Message-ID, recipient) so
a run can be checked for duplicates and misses.

It is a hand-written asyncio protocol (bench/relay_protocol.py), not aiosmtpd, which tops out
near 500-1,300 msg/s. `python -m bench.relay --ceiling` measures it alone with Postfix's
smtp-source, beside smtp-sink, and prints its CPU per message.

Serve: .venv/bin/python -m bench.relay --port 2525 --log relay.log [--users bench:secret]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import signal
import ssl
import threading
from collections import Counter
from pathlib import Path
from typing import IO

from bench.relay_policy import RelayPolicy, make_certificate, sink_like
from bench.relay_protocol import Session


class RelayServer:
    """Shared state of all sessions: limits per client, 4xx already given, log, counters."""

    def __init__(self, policy: RelayPolicy, *, log: IO[str] | None, cert_dir: Path | None) -> None:
        self.policy, self.log = policy, log
        self.rng = random.Random(policy.seed)
        self.per_client: Counter[str] = Counter()
        self.temporary_given: set[str] = set()
        self.stats: Counter[str] = Counter()
        self.sessions: set[Session] = set()
        self.tls_context: ssl.SSLContext | None = None
        self.cert: Path | None = None
        if policy.starttls and cert_dir is not None:
            self.cert, key = make_certificate(cert_dir)
            self.tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls_context.load_cert_chain(self.cert, key)

    def admit(self, session: Session) -> bool:
        """Count the connection, or refuse it above the per-client maximum."""
        limit = self.policy.max_connections_per_client
        self.stats["connections"] += 1
        if limit and self.per_client[session.peer] >= limit:
            self.stats["refused_connections"] += 1
            return False
        self.per_client[session.peer] += 1
        self.stats["max_concurrent"] = max(self.stats["max_concurrent"], len(self.sessions) + 1)
        self.sessions.add(session)
        return True

    def release(self, session: Session) -> None:
        self.per_client[session.peer] -= 1
        self.sessions.discard(session)

    def refusal(self, rcpt: str, stage: str) -> bytes | None:
        """The reply refusing this recipient at this stage, or None to go on."""
        verdict = self.policy.verdict(rcpt)
        if verdict is None or verdict.stage != stage:
            return None
        if verdict.temporary:
            if rcpt in self.temporary_given:
                return None  # the retry is accepted, as after greylisting
            self.temporary_given.add(rcpt)
        self.stats[f"reply_{verdict.reply[:3].decode()}"] += 1
        return verdict.reply

    def drop_now(self) -> bool:
        return self.policy.drop_share > 0 and self.rng.random() < self.policy.drop_share

    def record(self, kind: str, message_id: str, rcpt: str) -> None:
        """One log line: A accepted, D dropped after accepting, L dropped before."""
        self.stats[{"A": "accepted", "D": "dropped_after_accept", "L": "dropped_lost"}[kind]] += 1
        if self.log is not None:
            self.log.write(f"{kind} {message_id} {rcpt}\n")

    async def sweep_idle(self) -> None:
        """Close connections idle longer than the policy allows (once a second)."""
        timeout = self.policy.idle_timeout_s
        while timeout:
            await asyncio.sleep(min(1.0, timeout / 2))
            now = asyncio.get_running_loop().time()
            for session in list(self.sessions):
                if now - session.last_seen > timeout and not session.closing:
                    self.stats["idle_closes"] += 1
                    session.reply(b"421 4.4.2 Idle timeout, closing connection", close=True)
            if self.log is not None:
                self.log.flush()


async def serve(
    policy: RelayPolicy, *, host: str, port: int, log: IO[str] | None, cert_dir: Path | None,
    ready: threading.Event | None = None, stop: asyncio.Event | None = None,
) -> RelayServer:  # fmt: skip
    """Run the relay until `stop` is set (or forever); returns its state for the counters."""
    relay = RelayServer(policy, log=log, cert_dir=cert_dir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Session(relay), host, port, backlog=512)
    sweeper = asyncio.ensure_future(relay.sweep_idle())
    stop = stop or asyncio.Event()
    RelayThread.current = relay
    if ready is not None:
        ready.set()
    try:
        await stop.wait()
    finally:
        sweeper.cancel()
        server.close()
        for session in list(relay.sessions):
            session.transport.abort()
        if log is not None:
            log.flush()
    return relay


class RelayThread:
    """The relay in a background thread of this process (tests); `stop()` flushes the log."""

    current: RelayServer | None = None

    def __init__(self, policy: RelayPolicy, *, port: int, log_path: Path, cert_dir: Path) -> None:
        self.policy, self.port, self.log_path = policy, port, log_path
        self.log = log_path.open("a", encoding="utf-8")
        self.ready = threading.Event()
        self.loop = asyncio.new_event_loop()
        self.stop_event = asyncio.Event()
        self.relay: RelayServer | None = None
        self.thread = threading.Thread(target=self._run, args=(cert_dir,), daemon=True)

    def _run(self, cert_dir: Path) -> None:
        asyncio.set_event_loop(self.loop)
        self.relay = self.loop.run_until_complete(
            serve(self.policy, host="127.0.0.1", port=self.port, log=self.log,
                  cert_dir=cert_dir, ready=self.ready, stop=self.stop_event)
        )  # fmt: skip

    def start(self) -> RelayServer:
        self.thread.start()
        if not self.ready.wait(10):
            raise RuntimeError("relay did not start")
        assert RelayThread.current is not None
        self.server = RelayThread.current
        return self.server

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(10)
        self.log.close()

    def records(self) -> list[tuple[str, str, str]]:
        """Every log line so far as (kind, Message-ID, recipient)."""

        async def _flush() -> None:
            self.log.flush()

        if self.thread.is_alive():
            asyncio.run_coroutine_threadsafe(_flush(), self.loop).result(10)
        return read_log(self.log_path)


def read_log(path: Path) -> list[tuple[str, str, str]]:
    """Parse a relay log."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        kind, message_id, rcpt = line.split(" ", 2)
        rows.append((kind, message_id, rcpt))
    return rows


def policy_from_args(args: argparse.Namespace) -> RelayPolicy:
    """The realistic relay with the command line's changes, or a bare one (--bare)."""
    policy = sink_like() if args.bare else RelayPolicy()
    for name in ("data_latency_s", "rcpt_latency_s", "jitter_s", "temporary_share",
                 "permanent_share", "drop_share", "max_messages_per_connection",
                 "idle_timeout_s", "max_connections_per_client"):  # fmt: skip
        value = getattr(args, name)
        if value is not None:
            setattr(policy, name, value)
    if args.no_tls:
        policy.starttls = False
    if args.users:
        policy.users = dict(u.split(":", 1) for u in args.users.split(","))
    return policy


def main() -> None:
    """Serve until SIGTERM/SIGINT, then write the counters as JSON (--stats); or --ceiling."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--log", type=Path)
    parser.add_argument("--stats", type=Path, help="write counters here at exit")
    parser.add_argument("--cert-dir", type=Path, help="where the test certificate goes")
    parser.add_argument("--bare", action="store_true", help="no latency, refusals or limits")
    parser.add_argument("--no-tls", action="store_true")
    parser.add_argument("--users", help="user:password[,user:password]: AUTH required")
    parser.add_argument("--uvloop", action="store_true")
    parser.add_argument("--ceiling", action="store_true", help="measure the relay alone")
    for name, kind in (("data_latency_s", float), ("rcpt_latency_s", float),
                       ("jitter_s", float), ("temporary_share", float),
                       ("permanent_share", float), ("drop_share", float),
                       ("max_messages_per_connection", int), ("idle_timeout_s", float),
                       ("max_connections_per_client", int)):  # fmt: skip
        parser.add_argument("--" + name.replace("_", "-"), type=kind)
    args = parser.parse_args()
    if args.ceiling:
        from bench.relay_ceiling import measure

        measure(uvloop=args.uvloop)
        return
    run_forever(args)


def run_forever(args: argparse.Namespace) -> None:
    """The relay as a process: print the certificate path, serve, write counters at exit."""
    if args.uvloop:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    cert_dir = args.cert_dir or (args.log.parent if args.log else Path.cwd())
    log = args.log.open("a", encoding="utf-8", buffering=1 << 16) if args.log else None

    async def _main() -> RelayServer:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        ready = threading.Event()
        task = asyncio.ensure_future(serve(
            policy_from_args(args), host="127.0.0.1", port=args.port, log=log,
            cert_dir=cert_dir, ready=ready, stop=stop,
        ))  # fmt: skip
        while not ready.is_set() and not task.done():
            await asyncio.sleep(0.01)
        if RelayThread.current is not None and RelayThread.current.cert is not None:
            print(f"certificate {RelayThread.current.cert}", flush=True)
        print(f"listening on 127.0.0.1:{args.port}", flush=True)
        return await task

    relay = asyncio.run(_main())
    if log is not None:
        log.close()
    if args.stats:
        args.stats.write_text(json.dumps(dict(relay.stats), indent=1))
    with contextlib.suppress(BrokenPipeError):
        print(json.dumps(dict(relay.stats)), flush=True)


if __name__ == "__main__":
    main()
