"""Soak: campaign after campaign, with inbound replies and tracking ticks, on one stack.

Run briefly by the suite (tests/acceptance/test_soak.py) and for 30 minutes by bench/soak.py.
Everything goes through public interfaces; what it checks at the end: every process still
alive, every campaign sent exactly once per reader (no duplicate, no miss at the SMTP capture),
every reply handed to the coordinator, every open and click in the reports.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

from tests.acceptance import mission as m
from tests.acceptance.stack import Stack, wait_for


@dataclass
class SoakFigures:
    """What a soak run did and found."""

    seconds: float = 0.0
    campaigns: int = 0
    mails: int = 0
    duplicates: int = 0
    missing: int = 0
    replies_sent: int = 0
    replies_handed_off: int = 0
    opens: int = 0
    clicks: int = 0
    opens_reported: int = 0
    clicks_reported: int = 0
    campaign_ids: list[int] = field(default_factory=list)


def soak(stack: Stack, *, seconds: float, readers: int = 20) -> SoakFigures:
    """Send campaigns back to back for `seconds`, replying and clicking while they go out."""
    people = m.readers(readers)
    m.create_content(stack, people)
    figures, started = SoakFigures(), time.monotonic()
    while time.monotonic() - started < seconds or figures.campaigns == 0:
        name = f"Soak {figures.campaigns + 1}"
        campaign_id = m.send_campaign(stack, name)
        figures.campaign_ids.append(campaign_id)
        figures.campaigns += 1
        _while_sending(stack, campaign_id, figures)
        _count_campaign(stack, name, people, figures)
    _settle(stack, figures)
    figures.seconds = time.monotonic() - started
    return figures


def _while_sending(stack: Stack, campaign_id: int, figures: SoakFigures) -> None:
    """Inbound replies and tracking requests from mails already received, until it is sent."""
    deadline = time.monotonic() + 300
    while m.status(stack, campaign_id) != "sent":
        assert time.monotonic() < deadline, f"campaign {campaign_id} not sent within 300 s"
        received = [x for x in stack.capture.mails if x.message["List-Unsubscribe"]]
        if received:
            mail = received[-1]
            address = m.reply_address(mail)
            raw = m.subscriber_reply(mail, to=address, question=f"Question {figures.replies_sent}?")
            m.smtp_submit(stack, raw, mail_from=mail.rcpt_tos[0], rcpt=address)
            figures.replies_sent += 1
            pixel, link = m.tracking_urls(mail)
            with httpx.Client(headers={"User-Agent": m.BROWSER}, timeout=30) as client:
                assert client.get(pixel).status_code == 200
                assert client.get(link).status_code == 302
            figures.opens += 1
            figures.clicks += 1
        time.sleep(0.3)


def _count_campaign(
    stack: Stack, name: str, people: list[tuple[str, str]], figures: SoakFigures
) -> None:
    got = Counter(x.rcpt_tos[0] for x in m.campaign_mails(stack, name))
    figures.mails += sum(got.values())
    figures.duplicates += sum(n - 1 for n in got.values() if n > 1)
    figures.missing += sum(1 for address, _ in people if address not in got)


def _settle(stack: Stack, figures: SoakFigures) -> None:
    """Wait until every reply reached the coordinator and every event is in the reports."""

    def settled() -> bool:
        stack.check_alive()
        figures.replies_handed_off = len(stack.capture.to(m.COORDINATOR))
        reports = [m.report(stack, cid) for cid in figures.campaign_ids]
        figures.opens_reported = sum(r["human_opens"] + r["machine_opens"] for r in reports)
        figures.clicks_reported = sum(r["total_clicks"] + r["machine_clicks"] for r in reports)
        return (
            figures.replies_handed_off >= figures.replies_sent
            and figures.opens_reported >= figures.opens
            and figures.clicks_reported >= figures.clicks
        )

    try:
        wait_for(settled, 120, "replies handed off and tracking events reported")
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {figures}") from None
