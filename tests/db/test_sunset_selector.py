"""The F6 sunset selector on SQLite and PostgreSQL: human engagement only, consent required."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from service.automation.sunset import candidates, due_decisions, months_before
from service.models import Campaign, Delivery, Subscriber, SunsetRequest, TrackingEvent
from service.settings import get_settings, reset_settings

T0 = datetime(2026, 12, 1, 4, 7, tzinfo=UTC)


@pytest.fixture
def policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_SUNSET_AFTER_CAMPAIGNS", "2")
    monkeypatch.setenv("NEWSDESK_SUNSET_AFTER_MONTHS", "6")
    monkeypatch.setenv("NEWSDESK_SUNSET_GRACE_DAYS", "10")
    reset_settings()


def _person(s: Session, name: str, consent: bool = True, days: int = 500) -> Subscriber:
    when = T0 - timedelta(days=days)
    sub = Subscriber(
        email=f"{name}@x.org", email_hash=name, status="confirmed", tracking_consent=consent,
        created_at=when, confirmed_at=when,
    )  # fmt: skip
    s.add(sub)
    s.flush()
    return sub


def _send(s: Session, days_ago: int, *people: Subscriber) -> Campaign:
    c = Campaign(name="c", subject_en="s", subject_de="s", status="sent", tracking="consent")
    s.add(c)
    s.flush()
    for p in people:
        s.add(Delivery(campaign_id=c.id, subscriber_id=p.id, edition_key="en", status="sent",
                       sent_at=T0 - timedelta(days=days_ago)))  # fmt: skip
    return c


def test_months_before_clamps_to_the_end_of_the_month() -> None:
    assert months_before(datetime(2026, 3, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 13) == datetime(
        2024, 12, 15, tzinfo=UTC
    )


def test_F6_D8_only_human_engagement_counts_and_only_with_consent(
    session: Session, policy: None
) -> None:
    machine, human, silent, none, fresh, months = (
        _person(session, "machine"), _person(session, "human"), _person(session, "silent"),
        _person(session, "none", consent=False), _person(session, "fresh", days=20),
        _person(session, "months"),
    )  # fmt: skip
    first = _send(session, 40, machine, human, silent, none, fresh)
    _send(session, 10, machine, human, silent, none, fresh)
    _send(session, 200, months)  # one campaign, more than six months ago
    session.add(TrackingEvent(campaign_id=first.id, subscriber_id=machine.id, kind="open",
                              machine=True, occurred_at=T0 - timedelta(days=39)))  # fmt: skip
    session.add(TrackingEvent(campaign_id=first.id, subscriber_id=human.id, kind="open",
                              occurred_at=T0 - timedelta(days=39)))  # fmt: skip
    session.commit()
    found = {c.email: c.unanswered_campaigns for c in candidates(session, now=T0)}
    # human: one campaign since the open; fresh: only one since joining 20 days ago
    assert found == {"machine@x.org": 2, "silent@x.org": 2, "months@x.org": 1}
    assert get_settings().sunset_after_campaigns == 2


def test_decisions_wait_for_the_grace_then_unsubscribe(session: Session, policy: None) -> None:
    sub = _person(session, "late")
    session.add(SunsetRequest(subscriber_id=sub.id, asked_at=T0 - timedelta(days=9)))
    session.commit()
    assert due_decisions(session, now=T0) == ([], [])
    assert due_decisions(session, now=T0 + timedelta(days=1), dry_run=True) == ([], [sub.id])
    session.refresh(sub)
    assert sub.status == "confirmed"  # a dry run changes nothing
    assert due_decisions(session, now=T0 + timedelta(days=1)) == ([], [sub.id])
    session.commit()
    session.refresh(sub)
    assert sub.status == "unsubscribed"
    assert candidates(session, now=T0 + timedelta(days=2)) == []


def test_keep_token_answers_only_the_current_request(session: Session) -> None:
    from service.addressing.tokens import codec
    from service.automation.sunset import epoch_day, keep_subscribed
    from service.models import ConsentEvent

    sub = _person(session, "keep")
    asked = T0 - timedelta(days=3)
    session.add(SunsetRequest(subscriber_id=sub.id, asked_at=asked))
    session.commit()
    older = codec().keep(sub.id, epoch_day(asked) - 40)  # the link of an earlier request
    assert keep_subscribed(session, token=older, ip=None, now=T0) is None
    current = codec().keep(sub.id, epoch_day(asked.astimezone(timezone(timedelta(hours=-6)))))
    assert keep_subscribed(session, token=current, ip="192.0.2.1", now=T0) is not None
    assert keep_subscribed(session, token=current, ip="192.0.2.1", now=T0) is not None
    session.commit()
    rows = session.exec(select(ConsentEvent)).all()
    assert [(r.event, r.detail["reason"], r.ip) for r in rows] == [
        ("preference_change", "sunset-keep", "192.0.2.1")
    ]
    assert session.get(SunsetRequest, sub.id).outcome == "kept"  # type: ignore[union-attr]


def test_the_daily_run_is_on_beat() -> None:
    from workers.celery_app import beat_schedule

    entry = beat_schedule(get_settings())["sunset"]
    assert entry["task"] == "newsdesk.sunset" and entry["options"]["expires"] == 3600.0
