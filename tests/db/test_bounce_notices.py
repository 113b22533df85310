"""F3 on SQLite and PostgreSQL, frozen clock: score once a day, disable, three notices, remove."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

import pytest
from freezegun import freeze_time
from sqlmodel import Session, select

from service.domain.addresses import email_hash, normalise_email
from service.inbound.acting import effects
from service.inbound.acting.bounce_notices import due_bounce_notices
from service.models import BounceScore, Subscriber, Suppression
from service.settings import get_settings
from tests.db.inbound_fixtures import world

DAY0 = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # the beat's daily run


def _status(session: Session, sub_id: int) -> str:
    session.expire_all()
    return session.get(Subscriber, sub_id).status


@pytest.mark.parametrize("threshold", [5.0, 2.0])
def test_many_soft_bounces_on_one_day_add_half_once(
    session: Session, threshold: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "bounce_score_threshold", threshold)
    sub, *_ = world(session)
    for _ in range(10):
        score = effects.score_bounce(session, subscriber=sub, hard=False, today=date(2026, 3, 2))
    assert score == 0.5
    assert _status(session, sub.id) == "confirmed"


@pytest.mark.parametrize("threshold", [5.0, 2.0])
def test_score_must_exceed_threshold_within_the_stale_window(
    session: Session, threshold: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Threshold 5.0: ten soft bounces on separate days reach 5.0, the eleventh disables."""
    monkeypatch.setattr(get_settings(), "bounce_score_threshold", threshold)
    sub, *_ = world(session)
    days = int(threshold / 0.5) + 1
    for n in range(days):
        effects.score_bounce(session, subscriber=sub, hard=False, today=date(2026, 3, 1 + n))
        session.commit()
        expected = "disabled" if n == days - 1 else "confirmed"
        assert _status(session, sub.id) == expected, f"after {n + 1} bounces"


@pytest.mark.parametrize(("gap", "score"), [(8, 0.5), (7, 1.0)])
def test_a_gap_longer_than_the_stale_window_resets(
    session: Session, gap: int, score: float
) -> None:
    sub, *_ = world(session)
    effects.score_bounce(session, subscriber=sub, hard=False, today=date(2026, 3, 1))
    later = date(2026, 3, 1) + timedelta(days=gap)
    assert effects.score_bounce(session, subscriber=sub, hard=False, today=later) == score


def _disable(session: Session, sub: Subscriber) -> None:
    """Push the score over the threshold, one soft bounce a day ending on DAY0."""
    days = int(get_settings().bounce_score_threshold / 0.5) + 1
    for n in range(days, 0, -1):
        with freeze_time(DAY0 - timedelta(days=n - 1)):
            effects.score_bounce(session, subscriber=sub, hard=False)
    session.commit()


def _run_days(
    session: Session, sub_id: int, total: int
) -> tuple[dict[int, EmailMessage], dict[int, str]]:
    """Call the daily job for `total` days; the notices and the status seen each day."""
    notices: dict[int, EmailMessage] = {}
    statuses: dict[int, str] = {}
    for day in range(total):
        with freeze_time(DAY0 + timedelta(days=day, seconds=-day)):  # the beat drifts early
            mails = due_bounce_notices(session)
            session.commit()
        assert len(mails) <= 1
        if mails:
            notices[day] = mails[0]
        statuses[day] = _status(session, sub_id)
    return notices, statuses


@pytest.mark.parametrize(("count", "interval"), [(3, 7), (2, 3)])
def test_notices_then_removal(
    session: Session, count: int, interval: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "bounce_notice_count", count)
    monkeypatch.setattr(get_settings(), "bounce_notice_interval_days", interval)
    sub, *_ = world(session)
    _disable(session, sub)
    assert _status(session, sub.id) == "disabled"
    notices, statuses = _run_days(session, sub.id, count * interval + 3)
    assert sorted(notices) == [n * interval for n in range(count)]  # days 0, 7, 14
    removal_day = count * interval  # day 21: one interval after the last notice
    assert statuses[removal_day - 1] == "disabled"
    assert statuses[removal_day] == "unsubscribed"
    digest = email_hash(normalise_email(sub.email), get_settings().secret_bytes)
    row = session.exec(select(Suppression).where(Suppression.email_hash == digest)).one()
    assert row.reason == "bouncing"
    assert session.get(BounceScore, sub.id).disabled_at is None


def test_notice_is_transactional_in_the_subscribers_language(session: Session) -> None:
    sub, *_ = world(session)  # language "de"
    _disable(session, sub)
    with freeze_time(DAY0):
        (mail,) = due_bounce_notices(session)
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["To"] == sub.email
    assert "nicht erreichbar" in mail["Subject"]
    assert "Hinweis 1 von 3" in mail.get_content()
    for bulk_header in ("List-Unsubscribe", "List-Id", "Precedence", "Feedback-ID"):
        assert mail[bulk_header] is None


def test_resubscribing_ends_the_sequence(session: Session) -> None:
    sub, *_ = world(session)
    _disable(session, sub)
    with freeze_time(DAY0):
        assert len(due_bounce_notices(session)) == 1
    sub = session.get(Subscriber, sub.id)
    sub.status = "confirmed"  # what a confirmed re-signup does
    session.add(sub)
    session.commit()
    with freeze_time(DAY0 + timedelta(days=30)):
        assert due_bounce_notices(session) == []
        session.commit()
    assert _status(session, sub.id) == "confirmed"
    assert session.get(BounceScore, sub.id).score == 0.0
