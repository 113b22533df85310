"""The pool against the realistic bench relay: concurrency, 421 back-off, limits, drops, TLS."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.relay import RelayServer, RelayThread
from bench.relay_policy import sink_like
from service.mail.compose import OutgoingMessage
from service.mail.smtp_pool import SendOutcome, SendResult, SmtpPool
from service.settings import Settings
from tests.integration.smtp_servers import free_port

SECRET = "smtp-test-secret-0123456789abcdefgh"


def _messages(count: int, prefix: str = "r") -> list[OutgoingMessage]:
    out = []
    for i in range(count):
        rcpt = f"{prefix}{i}@example.org"
        data = (
            f"From: news@example.org\r\nTo: {rcpt}\r\nMessage-ID: <{prefix}{i}@test>\r\n"
            f"Subject: t\r\n\r\n" + "body line\r\n" * 200
        ).encode()
        out.append(OutgoingMessage("bounces@example.org", rcpt, data, f"<{prefix}{i}@test>"))
    return out


@contextmanager
def relay(tmp_path: Path, **changes: Any) -> Iterator[tuple[RelayThread, RelayServer]]:
    policy = sink_like()
    for name, value in changes.items():
        setattr(policy, name, value)
    thread = RelayThread(policy, port=free_port(), log_path=tmp_path / "relay.log",
                         cert_dir=tmp_path)  # fmt: skip
    server = thread.start()
    try:
        yield thread, server
    finally:
        thread.stop()


def _pool(thread: RelayThread, query: str = "", **overrides: Any) -> SmtpPool:
    url = f"smtp://127.0.0.1:{thread.port}{query}"
    return SmtpPool(Settings(secret_key=SECRET, smtp_url=url, smtp_timeout_s=10, **overrides))


def _send_all(pool: SmtpPool, batch: list[OutgoingMessage], threads: int) -> list[SendResult]:
    with ThreadPoolExecutor(threads) as executor:
        return list(executor.map(pool.send, batch))


def test_many_connections_in_flight_hide_the_relay_latency(tmp_path: Path) -> None:
    with relay(tmp_path, data_latency_s=0.03) as (thread, _server):
        one = _pool(thread, smtp_connections=1)
        started = time.perf_counter()
        assert {r.outcome for r in _send_all(one, _messages(16, "a"), 1)} == {SendOutcome.SENT}
        serial_s = time.perf_counter() - started
        eight = _pool(thread, smtp_connections=8)
        started = time.perf_counter()
        results = _send_all(eight, _messages(64, "b"), 8)
        parallel_s = time.perf_counter() - started
        assert {r.outcome for r in results} == {SendOutcome.SENT}
        assert eight.connections_opened == 8
        one.close()
        eight.close()
    # Per message, eight connections take a fraction of one connection's time (ratio only).
    assert (parallel_s / 64) / (serial_s / 16) < 0.5
    assert len({r[1] for r in thread.records()}) == 80


def test_a_421_at_connect_shrinks_our_share_instead_of_hammering(tmp_path: Path) -> None:
    with relay(tmp_path, data_latency_s=0.01, max_connections_per_client=3) as (thread, server):
        pool = _pool(thread, smtp_connections=6, smtp_relay_cooldown_s=60)
        results = _send_all(pool, _messages(120), 6)
        pool.close()
    assert {r.outcome for r in results} == {SendOutcome.SENT}
    assert server.stats["max_concurrent"] <= 3
    # Each thread may meet one refusal before the cap settles; never one per message.
    assert 1 <= server.stats["refused_connections"] <= 6 and pool.refusals >= 1
    assert len(thread.records()) == 120


def test_connection_closed_after_n_messages_or_idle_is_replaced_transparently(
    tmp_path: Path,
) -> None:
    with relay(tmp_path, max_messages_per_connection=5, idle_timeout_s=0.5) as (thread, server):
        pool = _pool(thread, smtp_connections=1)
        results = [pool.send(m) for m in _messages(23)]
        time.sleep(1.6)  # the relay closes the idle pooled connection meanwhile
        results.append(pool.send(_messages(1, "late")[0]))
        pool.close()
    assert {r.outcome for r in results} == {SendOutcome.SENT}
    assert server.stats["limit_closes"] == 4 and server.stats["idle_closes"] == 1
    assert pool.connections_opened == 6


def test_a_connection_dropped_at_the_end_of_data_is_temporary_for_that_message(
    tmp_path: Path,
) -> None:
    with relay(tmp_path, drop_share=1.0) as (thread, _server):
        pool = _pool(thread, smtp_connections=2)
        first = pool.send(_messages(1)[0])
        thread.policy.drop_share = 0.0
        second = pool.send(_messages(1, "next")[0])
        pool.close()
    assert first.outcome is SendOutcome.TEMPORARY and "connection lost" in first.detail
    assert second.outcome is SendOutcome.SENT


def test_refusals_are_classified_by_whose_fault(tmp_path: Path) -> None:
    with relay(tmp_path, permanent_share=0.3, temporary_share=0.3) as (thread, _server):
        pool = _pool(thread, smtp_connections=4)
        batch = _messages(200)
        results = _send_all(pool, batch, 4)
        retried = _send_all(pool, [m for m, r in zip(batch, results, strict=True)
                                   if r.outcome is SendOutcome.TEMPORARY], 4)  # fmt: skip
        pool.close()
    for message, result in zip(batch, results, strict=True):
        verdict = thread.policy.verdict(message.rcpt)
        if verdict is None:
            assert result.outcome is SendOutcome.SENT
        elif verdict.temporary:
            assert result.outcome is SendOutcome.TEMPORARY
        else:
            assert result.outcome is SendOutcome.PERMANENT
            code = verdict.reply[:3]
            assert result.recipient_fault == (code == b"550"), (code, result)  # 5.1.1 only
    assert retried and {r.outcome for r in retried} == {SendOutcome.SENT}


def test_starttls_and_auth_through_the_pool_from_many_threads(tmp_path: Path) -> None:
    with relay(tmp_path, starttls=True, users={"bench": "s3cret"}) as (thread, server):
        assert server.cert is not None
        url = f"smtp://bench:s3cret@127.0.0.1:{thread.port}?starttls=1"
        pool = SmtpPool(Settings(secret_key=SECRET, smtp_url=url, smtp_connections=4,
                                 smtp_ca_file=server.cert, smtp_require_tls=True))  # fmt: skip
        results = _send_all(pool, _messages(40), 4)
        pool.close()
    assert {r.outcome for r in results} == {SendOutcome.SENT}
    assert server.stats["tls_sessions"] == server.stats["auth_ok"] == pool.connections_opened
