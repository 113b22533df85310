"""Finding 3: inbound mail runs in a pool of its own, so it can never delay sending.

compose.yaml's topology with real worker processes: the sending pool consumes
assemble,send,track,default; the inbound pool consumes only `inbound`. A backlog of hostile
mail waiting for the inbound pool leaves a campaign's start and send untouched.
"""

from __future__ import annotations

import smtplib
from pathlib import Path

import pytest
from sqlmodel import select

from service.campaigns.authoring import schedule
from service.db import session_scope
from service.demo.capture import free_port
from service.demo.run import start_worker, stop_worker
from service.demo.seed import seed
from service.inbound.intake.smtp_receiver import InboundHandler, make_controller
from service.models import Campaign, InboundMessage
from service.settings import get_settings
from tests.conftest import postgres_url, redis_url
from tests.integration.live_stack import live_stack, wait_for
from workers.celery_app import make_celery

ROOT = Path(__file__).resolve().parents[2]


def _compose_commands() -> dict[str, str]:
    """service name -> its command line, read from compose.yaml (no YAML parser needed)."""
    services: dict[str, str] = {}
    current, open_command = None, None
    for line in (ROOT / "compose.yaml").read_text().splitlines():
        if open_command is not None and current:  # a command continued on the next lines
            services[current] += " " + line.strip()
            open_command = None if "]" in line else open_command
        elif line.startswith("  ") and not line.startswith("   ") and line.rstrip().endswith(":"):
            current = line.strip().rstrip(":")
        elif current and line.strip().startswith("command:"):
            services[current] = line.split("command:", 1)[1].strip()
            open_command = None if "]" in line else current
    return services


def test_compose_gives_inbound_its_own_pool() -> None:
    commands = _compose_commands()
    workers = {name: cmd for name, cmd in commands.items() if '"worker"' in cmd}
    assert workers["worker-inbound"].endswith('"--queues", "inbound"]')
    assert '"inbound' not in workers["worker"] and ",inbound" not in workers["worker"]


def _enqueue(message_id: int) -> None:
    make_celery(get_settings()).send_task("newsdesk.process_inbound", args=[message_id])


def _hostile(n: int) -> bytes:
    html = "<script>a" * 4000
    return (
        f"From: x@attacker.example\r\nTo: reply+x@{get_settings().reply_domain}\r\n"
        f"Subject: {n}\r\nMessage-ID: <h{n}@attacker.example>\r\n"
        f"Content-Type: text/html\r\n\r\n{html}\r\n"
    ).encode()


def _statuses() -> list[str]:
    with session_scope() as session:
        return list(session.exec(select(InboundMessage.status)).all())


@pytest.mark.slow
def test_an_inbound_backlog_never_delays_a_campaign(tmp_path: Path) -> None:
    with live_stack(
        tmp_path,
        database_url=postgres_url(),
        broker_url=redis_url(),
        queues="assemble,send,track,default",
    ) as stack:
        port = free_port()
        receiver = make_controller(
            handler=InboundHandler(after_stored=_enqueue), hostname="127.0.0.1", port=port
        )
        receiver.start()
        try:
            with smtplib.SMTP("127.0.0.1", port) as client:
                for n in range(30):
                    client.sendmail(
                        "x@attacker.example",
                        [f"reply+x@{get_settings().reply_domain}"],
                        _hostile(n),
                    )
        finally:
            receiver.stop()
        with session_scope() as session:
            demo = seed(session, secret=get_settings().secret_bytes, subscribers=60)
            schedule(session, campaign_id=demo.campaign_id, send_at=None)

        def sent() -> bool:
            with session_scope() as session:
                return session.get(Campaign, demo.campaign_id).status == "sent"  # type: ignore[union-attr]

        wait_for(sent, 60, "the campaign to be sent while inbound mail waits")
        assert _statuses().count("received") == 30  # no sending worker touched inbound mail
        inbound_pool = start_worker(
            tmp_path, stack.env, concurrency=1, beat=False, queues="inbound", name="inbound"
        )
        try:
            wait_for(lambda: "received" not in _statuses(), 60, "the inbound pool to drain")
        finally:
            stop_worker(inbound_pool)
