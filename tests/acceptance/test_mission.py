"""The mission on the installed product: campaign out, replies routed, bounces, complaints,
one-click unsubscribes and tracking, all through HTTP, SMTP and the CLI of real processes."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.acceptance import mission as m
from tests.acceptance.installed import Installed, wheel_files
from tests.acceptance.stack import Stack, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


def test_the_wheel_ships_templates_and_migrations(installed: Installed) -> None:
    files = wheel_files(installed.wheel)
    assert any(f.endswith("templates/email/layout.html.j2") for f in files), "templates missing"
    assert any("migrations/versions/" in f and f.endswith(".py") for f in files)
    assert any(f.endswith("alembic.ini") for f in files)


def test_the_mission_through_public_interfaces(stack: Stack) -> None:
    m.create_content(stack)
    first = m.send_campaign(stack, "November news")
    everyone = len(m.SUBSCRIBERS)
    mails = wait_for(
        lambda: (len(got := m.campaign_mails(stack, "November news")) >= everyone) and got,
        90, "the first campaign's mails at the SMTP capture",
    )  # fmt: skip
    assert sorted(x.rcpt_tos[0] for x in mails) == sorted(a for a, _ in m.SUBSCRIBERS)
    by_rcpt = {x.rcpt_tos[0]: x for x in mails}
    asker, bounced, complainer, leaver, reader = (by_rcpt[a] for a, _ in m.SUBSCRIBERS[:5])

    # A reply over SMTP to the receiver reaches the announcement's coordinator.
    question = "Is there a registration fee for poster presenters?"
    raw = m.subscriber_reply(asker, to=m.reply_address(asker), question=question)
    m.smtp_submit(stack, raw, mail_from=asker.rcpt_tos[0], rcpt=m.reply_address(asker))
    handoff = wait_for(
        lambda: m_to(stack, m.COORDINATOR), 60, "the reply at the coordinator's mailbox"
    )[0]
    assert question in handoff.data.decode("utf-8", "replace").replace("=\r\n", "")

    # A DSN for one recipient, an ARF complaint for another, a one-click POST from a third.
    m.smtp_submit(stack, m.dsn(bounced), mail_from="", rcpt=bounced.mail_from)
    m.smtp_submit(stack, m.arf(complainer), mail_from="", rcpt=f"fbl@{m.BOUNCE_DOMAIN}")
    unsubscribed = httpx.post(
        m.one_click_url(leaver), data={"List-Unsubscribe": "One-Click"}, timeout=30
    )
    assert unsubscribed.status_code == 200, unsubscribed.text

    # An open and a click from a received mail, as the reader's client makes them.
    pixel, link = m.tracking_urls(reader)
    assert httpx.get(pixel, headers={"User-Agent": m.BROWSER}).status_code == 200
    assert httpx.get(link, headers={"User-Agent": m.BROWSER}).status_code == 302

    m.wait_for_report(
        stack, first,
        {"complaints": 1, "unsubscribes": 1, "human_opens": 1, "total_clicks": 1},
        60,
    )  # fmt: skip

    # The DSN suppressed its address (the report counts only bounces at SMTP time), so the
    # next campaign skips the bounced, the complaining and the unsubscribed address.
    second = m.send_campaign(stack, "December news")
    wait_for(lambda: m.status(stack, second) == "sent", 90, "the second campaign to be sent")
    left = {a for a, _ in m.SUBSCRIBERS} - {x.rcpt_tos[0] for x in (bounced, complainer, leaver)}
    assert sorted(x.rcpt_tos[0] for x in m.campaign_mails(stack, "December news")) == sorted(left)

    _metrics_tell_the_story(stack, sent=everyone + len(left))
    _logs_are_json_with_ids(stack)

    # One beat only: a second one refuses (or, without --no-wait, waits as a standby).
    second_beat = stack.cli("beat", "--no-wait")
    assert second_beat.returncode != 0
    assert "another beat holds the lock" in second_beat.stdout + second_beat.stderr
    stack.check_alive()


def m_to(stack: Stack, address: str) -> list[m.Captured]:
    """Mail the capture received for `address`, failing early if a process died."""
    stack.check_alive()
    return stack.capture.to(address)


def _metrics_tell_the_story(stack: Stack, *, sent: int) -> None:
    """Prometheus text from the workers (every pool process) and the API (backlogs)."""
    workers = [
        httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        for port in stack.metrics_ports.values()
    ]
    assert _total(workers, 'newsdesk_messages_total{outcome="sent",relay=') >= sent, workers
    assert _total(workers, 'newsdesk_inbound_processed_total{kind="inquiry"}') >= 1
    assert _total(workers, 'newsdesk_task_seconds_count{task="newsdesk.send_batch"}') >= 2
    api = httpx.get(f"{stack.base_url}/metrics", timeout=10).text
    for gauge in ('newsdesk_queue_depth{queue="send"}', "newsdesk_tracking_backlog",
                  "newsdesk_inbound_unprocessed 0.0"):  # fmt: skip
        assert gauge in api, (gauge, api[-2000:])


def _total(texts: list[str], prefix: str) -> float:
    """Sum of every sample whose line starts with `prefix`, over several exposition texts."""
    return sum(
        float(line.rsplit(" ", 1)[1])
        for text in texts
        for line in text.splitlines()
        if line.startswith(prefix)
    )


def _logs_are_json_with_ids(stack: Stack) -> None:
    """NEWSDESK_LOG_FORMAT=json: every log line parses; send tasks carry their campaign id."""
    entries = [
        json.loads(line)
        for name in ("worker-a", "worker-b", "beat", "api")
        for line in stack.log(name).splitlines()
        if line.startswith("{")
    ]
    sends = [e for e in entries if e.get("task") == "newsdesk.send_batch"]
    assert sends and all(isinstance(e.get("campaign_id"), int) for e in sends), entries[-5:]
    assert any(e["logger"].startswith("uvicorn") for e in entries), "API logs are not JSON"
