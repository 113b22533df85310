"""Reports a comms team can read: list unsubscribes counted, editions named, figures per segment.

The demo campaign is delivered (delivery rows as the sender marks them), readers then leave by
the one-click endpoint (HTTP), the preference centre's "unsubscribe from everything" (HTTP) and a
reply (the inbound path's service call); the report is read through `newsdesk report show` and
the HTML report page of the real app.
"""

from __future__ import annotations

import os
import subprocess
import sys

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.addressing.link_tokens import make_preferences, make_unsubscribe
from service.api.app import create_app
from service.audience.withdrawal import unsubscribe_from_campaign
from service.campaigns.assembly import build_plan
from service.models import Campaign, Delivery, Subscriber, WithdrawalChannel
from service.models._common import utcnow
from service.reports.campaign import campaign_report
from tests.db.surface_world import build_world


def _deliver(session: Session, campaign_id: int) -> list[tuple[int, str]]:
    """Delivery rows marked sent for the whole audience; (subscriber id, edition key)."""
    campaign = session.get(Campaign, campaign_id)
    assert campaign is not None
    plan = build_plan(session, campaign=campaign, at=campaign.send_at or utcnow())
    rows = session.execute(sa.select(Subscriber.id, plan.edition_key).where(plan.audience)).all()
    now = utcnow()
    for subscriber_id, key in rows:
        session.add(Delivery(campaign_id=campaign_id, subscriber_id=subscriber_id,
                             edition_key=key, status="sent", sent_at=now))  # fmt: skip
    session.commit()
    return [(int(s), str(k)) for s, k in rows]


def test_list_unsubscribes_editions_and_segments(session: Session) -> None:
    world = build_world(session)
    cid = world.campaign_id
    delivered = _deliver(session, cid)
    readers = [s for s, _ in delivered[:3]]
    client = TestClient(create_app())
    one_click = client.post(f"/u/{make_unsubscribe(readers[0], cid)}",
                            data={"List-Unsubscribe": "One-Click"})  # fmt: skip
    assert one_click.status_code == 200
    leave = client.post(f"/p/{make_preferences(readers[1])}", data={"action": "leave_all"})
    assert leave.status_code == 200
    third = session.get(Subscriber, readers[2])
    assert third is not None
    unsubscribe_from_campaign(session, subscriber=third, campaign_id=cid,
                              channel=WithdrawalChannel.REPLY, ip=None)  # fmt: skip
    session.commit()

    report = campaign_report(session, campaign_id=cid, ui="de")
    assert report.total.unsubscribes == 3  # list (one-click, reply) and global (preferences)
    assert report.unsubscribe_channels == {"one-click": 1, "link": 1, "reply": 1}
    assert sum(s.unsubscribes for s in report.editions.values()) == 3
    names = set(report.edition_names.values())
    assert all(n.startswith(("Deutsch: ", "Englisch: ")) for n in names)
    assert any("München und Chicago unterzeichnen" in n for n in names)
    assert not any(":" in n.split(": ", 1)[0] for n in names)  # no "de:5" codes
    segments = {s.slug: s for s in report.segments}
    assert segments["everyone"].delivered == len(delivered)
    assert segments["everyone"].unsubscribes == 3
    stages = {s.id: s.attributes.get("career_stage") for s in session.exec(select(Subscriber))}
    early = sum(1 for sid, _ in delivered if stages[sid] in ("phd", "postdoc"))
    assert segments["early-career"].delivered == early > 0

    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1"}
    shown = subprocess.run(
        [sys.executable, "-c", "from service.cli import app; app()", "report", "show", str(cid)],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert "Per segment" in shown.stdout and "Early-career researchers" in shown.stdout
    assert "English: " in shown.stdout and "unsubscribes" in shown.stdout
    page = client.get(f"/reports/campaigns/{cid}")
    assert page.status_code == 200
    assert "Per segment" in page.text and "one-click 1" in page.text
    assert "English: Munich and Chicago sign a" in page.text
    left = session.exec(select(Subscriber).where(Subscriber.id == readers[1])).one()
    assert left.status == "unsubscribed"
