"""Digests with an injected clock: each subscriber gets each announcement once, on their cadence."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from service.automation import digests
from service.campaigns.editions import ensure_editions
from service.campaigns.fanout import fan_out_chunk
from service.campaigns.lifecycle import get_campaign, start_due
from service.models import Cadence, Campaign, Delivery, DigestRun, DigestRunStatus
from service.models._common import utcnow
from service.settings import get_settings
from tests.support.automation_data import (
    approved_announcement,
    ensure_segments,
    received,
    subscriber,
    weekly_schedule,
)

OCT_1 = datetime(2026, 10, 1, tzinfo=UTC)


def run(session: Session, now: datetime) -> list[DigestRun]:
    """What beat does at `now`, then a simulated send of every started campaign."""
    runs = [
        digests.run_period(session, due=d, now=now) for d in digests.due_digests(session, now=now)
    ]
    session.commit()
    for campaign_id in start_due(session, now=utcnow()):
        while True:
            step = fan_out_chunk(session, campaign_id=campaign_id, chunk_size=2)
            campaign = get_campaign(session, campaign_id=campaign_id)
            ensure_editions(
                session, campaign=campaign, keys=step.edition_keys, settings=get_settings()
            )
            session.commit()
            if step.done:
                break
        session.execute(
            sa.update(Delivery).where(Delivery.campaign_id == campaign_id).values(status="sent")
        )
        session.commit()
    return runs


def test_three_weekly_digests_and_a_monthly_one(session: Session) -> None:
    ensure_segments(session)
    a1 = approved_announcement(session, slug="mou", segments=["everyone"])
    a2 = approved_announcement(session, slug="lung-call", segments=["lung"])
    en = subscriber(session, email="en@example.org", language="en")
    de = subscriber(session, email="de@example.org", language="de", topics=("lung",))
    every_issue = subscriber(session, email="issue@example.org", cadence=Cadence.ISSUE)
    monthly = subscriber(session, email="m@example.org", cadence=Cadence.MONTHLY, topics=("lung",))
    weekly_schedule(session, created_at=OCT_1)
    weekly_schedule(session, created_at=datetime(2026, 10, 2, tzinfo=UTC), cadence=Cadence.MONTHLY)
    session.commit()

    before_due = run(session, datetime(2026, 10, 5, 5, 59, tzinfo=UTC))  # 07:59 in Berlin
    assert before_due == []
    week1 = run(session, datetime(2026, 10, 5, 6, 30, tzinfo=UTC))
    assert [(r.period_key, r.status, r.recipients) for r in week1] == [("2026-W41", "created", 2)]
    assert run(session, datetime(2026, 10, 5, 9, tzinfo=UTC)) == []  # same period: nothing new
    a3 = approved_announcement(session, slug="atlas", segments=["everyone"])
    session.commit()
    week2 = run(session, datetime(2026, 10, 12, 7, tzinfo=UTC))
    assert [(r.period_key, r.recipients) for r in week2] == [("2026-W42", 2)]
    week3 = run(session, datetime(2026, 10, 19, 7, tzinfo=UTC))  # nothing new for anyone
    assert [(r.period_key, r.status, r.campaign_id) for r in week3] == [
        ("2026-W43", DigestRunStatus.SKIPPED, None)
    ]
    assert "anything new" in (week3[0].note or "")
    november = run(session, datetime(2026, 11, 2, 9, tzinfo=UTC))
    assert sorted((r.period_key, r.recipients) for r in november) == [
        ("2026-11", 1),
        ("2026-W45", 0),
    ]

    got = received(session)
    assert sorted(got[en]) == [("en", a1), ("en", a3)]
    assert sorted(got[de]) == [("de", a1), ("de", a2), ("de", a3)]
    assert sorted(got[monthly]) == [("en", a1), ("en", a2), ("en", a3)]  # one digest, a month
    assert every_issue not in got
    monthly_campaigns = session.exec(select(Campaign).where(Campaign.cadence == "monthly")).all()
    assert len(monthly_campaigns) == 1


def test_a_period_runs_once_even_when_asked_twice(session: Session) -> None:
    ensure_segments(session)
    approved_announcement(session, slug="mou", segments=["everyone"])
    subscriber(session, email="en@example.org")
    weekly_schedule(session, created_at=OCT_1)
    session.commit()
    now = datetime(2026, 10, 5, 7, tzinfo=UTC)
    (due,) = digests.due_digests(session, now=now)
    first = digests.run_period(session, due=due, now=now)
    again = digests.run_period(session, due=due, now=now)  # a second tick that saw it due
    session.commit()
    assert first.id == again.id
    assert len(session.exec(select(DigestRun)).all()) == 1
    assert len(session.exec(select(Campaign).where(Campaign.cadence == "weekly")).all()) == 1


def test_needs_approval_leaves_the_digest_as_a_draft(session: Session) -> None:
    ensure_segments(session)
    approved_announcement(session, slug="mou", segments=["everyone"])
    subscriber(session, email="en@example.org")
    weekly_schedule(session, created_at=OCT_1, needs_approval=True)
    session.commit()
    (created,) = run(session, datetime(2026, 10, 5, 7, tzinfo=UTC))
    campaign = session.get(Campaign, created.campaign_id)
    assert campaign is not None and campaign.status == "draft"
    assert "approval" in (created.note or "")
    assert session.exec(select(Delivery)).all() == []
