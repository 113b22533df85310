"""Outgoing webhooks against a real HTTP server on loopback: signatures, retries, dead, replay."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from service import webhooks
from service.cli.webhook import webhook_app
from service.db import session_scope
from service.models import WebhookDelivery
from service.models._common import as_utc, utcnow
from service.settings import get_settings

SECRET = "receiver-secret-0123456789"


class Receiver:
    """A loopback HTTP server answering with scripted status codes and keeping what it got."""

    def __init__(self) -> None:
        self.codes: list[int] = []
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                code = receiver.codes.pop(0) if receiver.codes else 200
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def _queue(url: str, event_types: list[str]) -> None:
    with session_scope() as session:
        webhooks.add_endpoint(session, url=url, secret=SECRET, event_types=event_types)
        added = webhooks.emit(session, event_type="clicked", events=[{"campaign_id": 1}])
        assert added == 1
        if event_types:  # not subscribed to bounces: nothing queued for them
            assert webhooks.emit(session, event_type="bounced", events=[{"x": 1}]) == 0


def test_signed_delivery(session: Session, receiver: Receiver) -> None:
    _queue(receiver.url, ["clicked"])
    run = webhooks.deliver_due(settings=get_settings())
    assert (run.delivered, run.retried, run.dead) == (1, 0, 0)
    (headers, body) = receiver.received[0]
    timestamp = int(headers["x-newsdesk-timestamp"])
    assert webhooks.verify(SECRET, timestamp, body, headers["x-newsdesk-signature"])
    assert not webhooks.verify(SECRET, timestamp, body + b" ", headers["x-newsdesk-signature"])
    assert not webhooks.verify(
        "another-secret-xxxxxxxx", timestamp, body, headers["x-newsdesk-signature"]
    )
    payload = json.loads(body)
    assert payload["type"] == "clicked" and payload["data"] == {"campaign_id": 1}
    assert headers["x-newsdesk-delivery"] == str(payload["id"])
    assert webhooks.deliver_due(settings=get_settings()).delivered == 0  # nothing twice


def test_backoff_dead_and_replay(session: Session, receiver: Receiver) -> None:
    settings = get_settings().model_copy(
        update={"webhook_max_attempts": 3, "webhook_backoff_s": 10}
    )
    _queue(receiver.url, [])
    receiver.codes = [500, 503, 502]
    now = utcnow()
    assert webhooks.deliver_due(settings=settings, now=now).retried == 1
    assert webhooks.deliver_due(settings=settings, now=now + timedelta(seconds=9)).retried == 0
    assert webhooks.deliver_due(settings=settings, now=now + timedelta(seconds=11)).retried == 1
    session.expire_all()
    row = session.exec(select(WebhookDelivery)).one()
    assert (row.attempts, row.last_status_code) == (2, 503)
    next_at = as_utc(row.next_attempt_at)
    assert next_at is not None and next_at - (now + timedelta(seconds=11)) == timedelta(seconds=20)
    assert webhooks.deliver_due(settings=settings, now=now + timedelta(seconds=40)).dead == 1
    assert len(receiver.received) == 3
    result = CliRunner().invoke(webhook_app, ["replay", "--delivery", str(row.id)])
    assert result.exit_code == 0 and "queued 1" in result.output
    assert webhooks.deliver_due(settings=settings).delivered == 1
    session.expire_all()
    assert session.exec(select(WebhookDelivery)).one().status == "delivered"
    log = CliRunner().invoke(webhook_app, ["log"])
    assert "delivered" in log.output


def test_unreachable_endpoint_is_retried(session: Session) -> None:
    _queue("http://127.0.0.1:1/hook", [])  # connection refused
    run = webhooks.deliver_due(settings=get_settings())
    assert run.retried == 1
    session.expire_all()
    row = session.exec(select(WebhookDelivery)).one()
    assert row.last_status_code is None and "ConnectError" in (row.last_error or "")


def test_bad_endpoints_are_refused(session: Session) -> None:
    result = CliRunner().invoke(webhook_app, ["add", "ftp://x", "--secret", SECRET])
    assert result.exit_code == 1 and "http(s)" in result.output
    result = CliRunner().invoke(
        webhook_app, ["add", "https://x.example", "--secret", SECRET, "--event", "nope"]
    )
    assert result.exit_code == 1 and "unknown webhook event types" in result.output
