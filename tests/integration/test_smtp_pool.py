"""SMTP transport against real aiosmtpd servers on loopback: reuse, replies, TLS, AUTH, failover."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import dkim
import pytest
from aiosmtpd.controller import Controller

from service.mail.compose import EditionSkeleton, OutgoingMessage, Recipient
from service.mail.dkim_keys import generate_keypair
from service.mail.smtp_pool import SendOutcome, SmtpPool
from service.settings import Settings
from tests.integration.smtp_servers import (
    ScriptedHandler,
    free_port,
    self_signed,
    server_tls,
    start_server,
)
from tests.mail_samples import sample_edition

SECRET = "smtp-test-secret-0123456789abcdefgh"


@cache
def dkim_key() -> tuple[bytes, str]:
    """Module key pair."""
    return generate_keypair()


@pytest.fixture
def servers() -> Iterator[list[Controller]]:
    """Controllers started by a test, stopped afterwards."""
    started: list[Controller] = []
    yield started
    for controller in started:
        controller.stop()


def serve(servers: list[Controller], handler: ScriptedHandler, **kwargs: Any) -> int:
    """Start a server and return its port."""
    controller = start_server(handler, **kwargs)
    servers.append(controller)
    return int(controller.port)


def messages(
    tmp: Path, locals_: list[str], public_url: str = "https://news.example.org"
) -> list[OutgoingMessage]:
    """Signed campaign messages to the given local parts."""
    key = tmp / "dkim.pem"
    key.write_bytes(dkim_key()[0])
    settings = Settings(secret_key=SECRET, dkim_private_key_path=key, public_url=public_url)
    sk = EditionSkeleton.build(
        edition=sample_edition(2, 5), subject="Neuigkeiten", language="de", campaign_id=3,
        list_id="ecr", list_name="ECR", announcement_ids=(1, 2), settings=settings,
    )  # fmt: skip
    return [
        sk.message_for(Recipient(i, f"{local}@example.org", "Ada", tracking=True))
        for i, local in enumerate(locals_, start=1)
    ]


def pool(url: str, **overrides: Any) -> SmtpPool:
    """A pool with test settings."""
    return SmtpPool(Settings(secret_key=SECRET, smtp_url=url, smtp_timeout_s=5, **overrides))


def test_one_connection_reused_and_bytes_verify(tmp_path: Path, servers: list[Controller]) -> None:
    handler = ScriptedHandler()
    port = serve(servers, handler)
    transport = pool(f"smtp://127.0.0.1:{port}")
    batch = messages(tmp_path, [f"reader{i}" for i in range(20)])
    results = [transport.send(m) for m in batch]
    assert {r.outcome for r in results} == {SendOutcome.SENT}
    assert transport.connections_opened == 1 and len(set(handler.mail_peers)) == 1
    lookup = lambda name, timeout=5: dkim_key()[1].encode()  # noqa: E731
    for sent, got in zip(batch, handler.received, strict=True):
        assert got.data == sent.data and got.rcpt_tos == [sent.rcpt]  # one RCPT, To = RCPT
        assert got.mail_from == sent.envelope_from
        assert dkim.verify(got.data, dnsfunc=lookup)
    transport.close()


def test_dkim_on_the_received_bytes(tmp_path: Path, servers: list[Controller]) -> None:
    handler = ScriptedHandler()
    port = serve(servers, handler)
    long_url = "https://news.partnership.example.org/newsletters/early-career/unsubscribe"
    (message,) = messages(tmp_path, ["long"], public_url=long_url)
    assert pool(f"smtp://127.0.0.1:{port}").send(message).outcome is SendOutcome.SENT
    raw = handler.received[0].data
    header = next(h for h in raw.split(b"\r\n\r\n")[0].split(b"\r\n") if h.startswith(b"List-Uns"))
    assert len(header) > 78  # a long List-Unsubscribe, folded before signing
    lookup = lambda name, timeout=5: dkim_key()[1].encode()  # noqa: E731
    assert dkim.verify(raw, dnsfunc=lookup)
    position = raw.index(b"/unsubscribe/u/") + len(b"/unsubscribe/u/")
    flipped = b"b" if raw[position : position + 1] != b"b" else b"c"
    assert not dkim.verify(raw[:position] + flipped + raw[position + 1 :], dnsfunc=lookup)


@pytest.mark.parametrize("pipelining", [False, True])
def test_replies_are_classified(
    tmp_path: Path, servers: list[Controller], pipelining: bool
) -> None:
    handler = ScriptedHandler(pipelining=pipelining)
    port = serve(servers, handler)
    transport = pool(f"smtp://127.0.0.1:{port}")
    unknown, later, policy, ok = messages(tmp_path, ["unknown", "later", "policy", "ok"])
    r_unknown, r_later, r_policy = (transport.send(m) for m in (unknown, later, policy))
    assert (r_unknown.outcome, r_unknown.recipient_fault, r_unknown.code) == (
        SendOutcome.PERMANENT, True, 550,
    )  # fmt: skip
    assert (r_later.outcome, r_later.recipient_fault) == (SendOutcome.TEMPORARY, False)
    assert (r_policy.outcome, r_policy.recipient_fault) == (SendOutcome.PERMANENT, False)
    assert "5.7.1" in r_policy.detail
    assert transport.send(ok).outcome is SendOutcome.SENT
    assert transport.connections_opened == 1  # RSET after refusals, same connection
    assert [r.rcpt_tos for r in handler.received] == [["ok@example.org"]]


@pytest.mark.parametrize("pipelining", [False, True])
def test_drop_mid_data_affects_only_that_message(
    tmp_path: Path, servers: list[Controller], pipelining: bool
) -> None:
    handler = ScriptedHandler(pipelining=pipelining)
    port = serve(servers, handler)
    transport = pool(f"smtp://127.0.0.1:{port}")
    first, dropped, last = messages(tmp_path, ["first", "drop", "last"])
    outcomes = [transport.send(m).outcome for m in (first, dropped, last)]
    assert outcomes == [SendOutcome.SENT, SendOutcome.TEMPORARY, SendOutcome.SENT]
    assert [r.rcpt_tos[0] for r in handler.received] == ["first@example.org", "last@example.org"]
    assert transport.connections_opened == 2


def test_A5_starttls_with_certificate_check(tmp_path: Path, servers: list[Controller]) -> None:
    cert, key = self_signed(tmp_path)
    handler = ScriptedHandler()
    port = serve(servers, handler, tls_context=server_tls(cert, key), require_starttls=True)
    (message,) = messages(tmp_path, ["tls"])
    trusted = pool(f"smtp://127.0.0.1:{port}?starttls=1", smtp_ca_file=cert)
    assert trusted.send(message).outcome is SendOutcome.SENT
    assert handler.received[0].tls  # upgraded before MAIL FROM
    untrusted = pool(f"smtp://127.0.0.1:{port}?starttls=1")  # system CAs: self-signed refused
    result = untrusted.send(message)
    assert result.outcome is SendOutcome.TEMPORARY and "CERTIFICATE_VERIFY_FAILED" in result.detail
    assert len(handler.received) == 1


def test_A5_require_tls_fails_closed(tmp_path: Path, servers: list[Controller]) -> None:
    handler = ScriptedHandler()
    port = serve(servers, handler)  # no STARTTLS offered
    (message,) = messages(tmp_path, ["plain"])
    result = pool(f"smtp://127.0.0.1:{port}", smtp_require_tls=True).send(message)
    assert result.outcome is SendOutcome.TEMPORARY and "STARTTLS" in result.detail
    assert handler.mail_peers == [] and handler.received == []


def test_implicit_tls(tmp_path: Path, servers: list[Controller]) -> None:
    cert, key = self_signed(tmp_path)
    handler = ScriptedHandler()
    port = serve(servers, handler, ssl_context=server_tls(cert, key))
    (message,) = messages(tmp_path, ["smtps"])
    assert (
        pool(f"smtps://127.0.0.1:{port}", smtp_ca_file=cert).send(message).outcome
        is SendOutcome.SENT
    )
    assert handler.received[0].tls


def test_auth(tmp_path: Path, servers: list[Controller]) -> None:
    handler = ScriptedHandler()
    port = serve(servers, handler, users={"newsdesk": "s3cret"})
    (message,) = messages(tmp_path, ["authed"])
    assert (
        pool(f"smtp://newsdesk:s3cret@127.0.0.1:{port}").send(message).outcome is SendOutcome.SENT
    )
    assert handler.logins == ["newsdesk"]
    wrong = pool(f"smtp://newsdesk:wrong@127.0.0.1:{port}").send(message)
    assert wrong.outcome is SendOutcome.TEMPORARY and "535" in wrong.detail
    assert len(handler.received) == 1


def test_failover_to_second_relay(tmp_path: Path, servers: list[Controller]) -> None:
    handler = ScriptedHandler()
    port = serve(servers, handler)
    dead = free_port()
    relays = f"smtp://127.0.0.1:{dead}?weight=1000,smtp://127.0.0.1:{port}?weight=1"
    transport = pool("smtp://127.0.0.1:1", smtp_relays=relays)
    batch = messages(tmp_path, ["a", "b", "c"])
    results = [transport.send(m) for m in batch]
    assert [r.outcome for r in results] == [SendOutcome.SENT] * 3
    assert {r.relay for r in results} == {f"127.0.0.1:{port}"}
    assert len(handler.received) == 3
    assert transport.relays.relays[0].down_until > 0  # the dead one cools down


def test_rate_limit_holds_back_without_error(tmp_path: Path, servers: list[Controller]) -> None:
    import redis

    from service.mail.rate_limit import RateLimiter
    from tests.conftest import redis_url

    url = redis_url()
    handler = ScriptedHandler()
    port = serve(servers, handler)
    prefix = f"test:pool-rate:{port}:{tmp_path.name}"
    client = redis.Redis.from_url(url)
    limiter = RateLimiter(client, global_per_hour=2, prefix=prefix)
    transport = SmtpPool(
        Settings(secret_key=SECRET, smtp_url=f"smtp://127.0.0.1:{port}", rate_max_wait_s=1),
        limiter,
    )
    results = [transport.send(m) for m in messages(tmp_path, ["a", "b", "c"])]
    client.delete(f"{prefix}:global:h")
    assert [r.outcome for r in results] == [
        SendOutcome.SENT,
        SendOutcome.SENT,
        SendOutcome.TEMPORARY,
    ]
    assert results[2].retry_after_s is not None and results[2].retry_after_s > 3000
    assert len(handler.received) == 2


def test_get_pool_is_per_process_and_per_settings() -> None:
    from service.mail.smtp_pool import get_pool

    settings = Settings(secret_key=SECRET)
    first = get_pool(settings)
    assert get_pool(settings) is first
    assert get_pool(Settings(secret_key=SECRET)) is not first  # new settings, new pool
