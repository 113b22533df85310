"""The benchmark relay (bench/relay.py) behaves as configured, seen through a real SMTP client."""

from __future__ import annotations

import smtplib
import socket
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.relay import RelayServer, RelayThread
from bench.relay_policy import RelayPolicy, sink_like
from tests.integration.smtp_servers import free_port


def _message(message_id: str, rcpt: str) -> bytes:
    return (
        f"From: a@example.org\r\nTo: {rcpt}\r\nMessage-ID: {message_id}\r\n"
        "Subject: t\r\n\r\nbody line\r\n.starts with a dot\r\n"
    ).encode()


@contextmanager
def relay(tmp_path: Path, **changes: object) -> Iterator[tuple[RelayThread, RelayServer]]:
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


def _client(thread: RelayThread) -> smtplib.SMTP:
    client = smtplib.SMTP("127.0.0.1", thread.port, timeout=10)
    client.ehlo()
    return client


def _recipients(policy: RelayPolicy, *, want: str, count: int = 1) -> list[str]:
    """Recipients the policy refuses with this reply code (found by trying addresses)."""
    found = []
    for i in range(200_000):
        rcpt = f"r{i}@example.org"
        verdict = policy.verdict(rcpt)
        if (verdict.reply[:3].decode() if verdict else "250") == want:
            found.append(rcpt)
            if len(found) == count:
                return found
    raise AssertionError(f"no recipient gets {want}")


def test_accepts_and_logs_message_id_and_recipient(tmp_path: Path) -> None:
    with relay(tmp_path) as (thread, _server):
        client = _client(thread)
        assert "pipelining" in client.esmtp_features
        client.sendmail("a@example.org", ["b@example.org"], _message("<m1@x>", "b@example.org"))
        client.sendmail("a@example.org", ["c@example.org"], _message("<m2@x>", "c@example.org"))
        client.quit()
        assert thread.records() == [
            ("A", "<m1@x>", "b@example.org"),
            ("A", "<m2@x>", "c@example.org"),
        ]


def test_starttls_with_test_certificate_and_auth_plain_and_login(tmp_path: Path) -> None:
    with relay(tmp_path, starttls=True, users={"bench": "secret"}) as (thread, server):
        assert server.cert is not None
        context = ssl.create_default_context(cafile=str(server.cert))
        for mechanism in ("PLAIN", "LOGIN"):
            client = _client(thread)
            assert "auth" not in client.esmtp_features  # offered only after STARTTLS
            with pytest.raises(smtplib.SMTPSenderRefused) as refused:
                client.sendmail("a@example.org", ["b@example.org"], b"x")
            assert refused.value.smtp_code == 530
            client.starttls(context=context)
            client.ehlo()
            assert mechanism in client.esmtp_features["auth"]
            client.user, client.password = "bench", "wrong"
            with pytest.raises(smtplib.SMTPAuthenticationError):
                client.auth(mechanism, getattr(client, f"auth_{mechanism.lower()}"),
                            initial_response_ok=mechanism == "PLAIN")  # fmt: skip
            client.password = "secret"
            client.auth(mechanism, getattr(client, f"auth_{mechanism.lower()}"),
                        initial_response_ok=mechanism == "PLAIN")  # fmt: skip
            client.sendmail("a@example.org", ["b@example.org"], _message(f"<{mechanism}@x>", "b"))
            client.quit()
        assert server.stats["tls_sessions"] == 2
        assert server.stats["auth_ok"] == 2 and server.stats["auth_failed"] == 2
        assert [r[1] for r in thread.records()] == ["<PLAIN@x>", "<LOGIN@x>"]


def test_refusals_follow_the_recipient_hash_and_a_4xx_is_accepted_on_retry(
    tmp_path: Path,
) -> None:
    policy = RelayPolicy(temporary_share=0.2, permanent_share=0.2)
    wanted = ("451", "421", "550", "552", "554")
    codes = {code: _recipients(policy, want=code)[0] for code in wanted}
    with relay(tmp_path, temporary_share=0.2, permanent_share=0.2) as (thread, _server):
        for code, rcpt in codes.items():
            client = _client(thread)
            with pytest.raises(smtplib.SMTPException) as refused:
                client.sendmail("a@example.org", [rcpt], _message(f"<{code}@x>", rcpt))
            error = refused.value
            seen = getattr(error, "smtp_code", None) or next(iter(error.recipients.values()))[0]  # type: ignore[attr-defined]
            assert seen == int(code), (code, error)
            client.close()
        for code in ("451", "421"):  # temporary: the second attempt goes through
            client = _client(thread)
            client.sendmail("a@example.org", [codes[code]], _message(f"<{code}-2@x>", "x"))
            client.quit()
        client = _client(thread)  # permanent: refused again
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail("a@example.org", [codes["550"]], b"x")
        assert sorted(r[1] for r in thread.records()) == ["<421-2@x>", "<451-2@x>"]


def test_reply_latency_after_data_and_rcpt(tmp_path: Path) -> None:
    with relay(tmp_path, data_latency_s=0.05, rcpt_latency_s=0.02) as (thread, _server):
        client = _client(thread)
        client.mail("a@example.org")
        started = time.perf_counter()
        client.rcpt("b@example.org")
        rcpt_s = time.perf_counter() - started
        client.data(_message("<lat@x>", "b"))
        data_s = time.perf_counter() - started - rcpt_s
        client.quit()
    # Replies are never early (a timer fires at or after its time); ratio to the configuration.
    assert rcpt_s / 0.02 >= 1.0 and data_s / 0.05 >= 1.0


def test_per_connection_message_limit_and_idle_timeout_close(tmp_path: Path) -> None:
    with relay(tmp_path, max_messages_per_connection=2, idle_timeout_s=0.5) as (thread, server):
        client = _client(thread)
        for i in range(2):
            client.sendmail("a@example.org", ["b@example.org"], _message(f"<{i}@x>", "b"))
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            client.sendmail("a@example.org", ["b@example.org"], b"x")
        assert refused.value.smtp_code == 421
        idle = _client(thread)
        time.sleep(1.6)
        with pytest.raises(smtplib.SMTPServerDisconnected):
            idle.noop()
            idle.noop()
        assert server.stats["limit_closes"] == 1 and server.stats["idle_closes"] == 1


def test_concurrent_connection_limit_answers_421(tmp_path: Path) -> None:
    with relay(tmp_path, max_connections_per_client=3) as (thread, server):
        held = [_client(thread) for _ in range(3)]
        with pytest.raises(smtplib.SMTPConnectError) as refused:
            smtplib.SMTP("127.0.0.1", thread.port, timeout=10)
        assert refused.value.smtp_code == 421
        held[0].quit()
        time.sleep(0.1)
        _client(thread).quit()  # a slot is free again
        assert server.stats["refused_connections"] == 1
        for client in held[1:]:
            client.quit()


def test_dropped_connection_at_end_of_data_is_logged(tmp_path: Path) -> None:
    with relay(tmp_path, drop_share=1.0) as (thread, server):
        for i in range(6):
            client = _client(thread)
            with pytest.raises((smtplib.SMTPServerDisconnected, ConnectionError, socket.error)):
                client.sendmail("a@example.org", ["b@example.org"], _message(f"<d{i}@x>", "b"))
        kinds = [kind for kind, _mid, _rcpt in thread.records()]
    # Dropped after accepting: logged as accepted (a retry would be a legitimate duplicate) and D.
    assert kinds.count("D") == kinds.count("A") and kinds.count("A") + kinds.count("L") == 6
    assert server.stats["dropped_after_accept"] + server.stats["dropped_lost"] == 6
