"""Fan-out: one delivery per eligible subscriber, edition keys equal to a Python evaluation."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from service.campaigns.assembly import announcements_for_key, planned_announcements
from service.campaigns.authoring import schedule
from service.campaigns.editions import ensure_editions
from service.campaigns.fanout import fan_out_chunk
from service.campaigns.lifecycle import get_campaign, start_due
from service.demo.seed import seed
from service.domain.segment_rules import evaluate_rule
from service.models import (
    Announcement,
    AnnouncementSegment,
    Delivery,
    Edition,
    Segment,
    Subscriber,
    SubscriberStatus,
    Suppression,
)
from service.models._common import utcnow
from service.settings import get_settings


def _started_demo(session: Session, subscribers: int = 150) -> int:
    summary = seed(session, secret=get_settings().secret_bytes, subscribers=subscribers)
    schedule(session, campaign_id=summary.campaign_id, send_at=None)
    assert start_due(session, now=utcnow()) == [summary.campaign_id]
    session.commit()
    return summary.campaign_id


def _fan_out_all(session: Session, campaign_id: int, chunk: int) -> list[str]:
    keys: set[str] = set()
    for _ in range(1000):
        step = fan_out_chunk(session, campaign_id=campaign_id, chunk_size=chunk)
        keys.update(step.edition_keys)
        session.commit()
        if step.done:
            return sorted(keys)
    raise AssertionError("fan-out never finished")


def _expected_keys(session: Session, campaign_id: int) -> dict[int, str]:
    """Who should get which edition, computed in plain Python from the same rules."""
    campaign = get_campaign(session, campaign_id=campaign_id)
    plan = planned_announcements(session, campaign=campaign, at=campaign.send_at)
    rules = {s.id: s.rule for s in session.exec(select(Segment))}
    targets = {}
    for link in session.exec(select(AnnouncementSegment)):
        targets.setdefault(link.announcement_id, []).append(rules[link.segment_id])
    suppressed = set(session.exec(select(Suppression.email_hash)))
    expected = {}
    for sub in session.exec(select(Subscriber)):
        if sub.status != SubscriberStatus.CONFIRMED or sub.email_hash in suppressed:
            continue
        mask = sum(
            1 << i
            for i, a in enumerate(plan)
            if any(evaluate_rule(r, sub, now=utcnow()) for r in targets.get(a.id, []))
        )
        if mask:
            expected[sub.id] = f"{sub.language}:{mask}"
    return expected


def test_fan_out_matches_python_evaluation_in_small_chunks(session: Session) -> None:
    campaign_id = _started_demo(session)
    _fan_out_all(session, campaign_id, chunk=17)
    rows = session.exec(select(Delivery).where(Delivery.campaign_id == campaign_id)).all()
    got = {d.subscriber_id: d.edition_key for d in rows}
    assert len(got) == len(rows), "a subscriber got two deliveries"
    assert got == _expected_keys(session, campaign_id)
    assert len(got) > 100


def test_fan_out_is_idempotent_when_rerun_from_the_start(session: Session) -> None:
    campaign_id = _started_demo(session, subscribers=60)
    _fan_out_all(session, campaign_id, chunk=25)
    before = session.exec(select(sa.func.count()).select_from(Delivery)).one()
    campaign = get_campaign(session, campaign_id=campaign_id)
    campaign.fanout_cursor, campaign.fanout_done = 0, False  # as if the checkpoint were lost
    session.add(campaign)
    session.commit()
    _fan_out_all(session, campaign_id, chunk=25)
    assert session.exec(select(sa.func.count()).select_from(Delivery)).one() == before


def test_editions_render_once_per_key_in_the_right_language(session: Session) -> None:
    campaign_id = _started_demo(session, subscribers=80)
    keys = _fan_out_all(session, campaign_id, chunk=1000)
    campaign = get_campaign(session, campaign_id=campaign_id)
    assert ensure_editions(
        session, campaign=campaign, keys=tuple(keys), settings=get_settings()
    ) == len(keys)
    assert (
        ensure_editions(session, campaign=campaign, keys=tuple(keys), settings=get_settings()) == 0
    )
    plan = tuple(planned_announcements(session, campaign=campaign, at=campaign.send_at))
    for edition in session.exec(select(Edition).where(Edition.campaign_id == campaign_id)):
        language, chosen = announcements_for_key(plan, edition.key)
        assert edition.language == language
        assert edition.announcement_ids == [a.id for a in chosen]
        assert f'lang="{language}"' in edition.html
        for a in chosen:
            title = a.title_de if language == "de" and a.title_de else a.title_en
            assert title.split(":")[0] in edition.html


def test_ineligible_subscribers_get_nothing(session: Session) -> None:
    campaign_id = _started_demo(session, subscribers=120)
    _fan_out_all(session, campaign_id, chunk=50)
    receivers = set(
        session.exec(select(Delivery.subscriber_id).where(Delivery.campaign_id == campaign_id))
    )
    suppressed = set(session.exec(select(Suppression.email_hash)))
    for sub in session.exec(select(Subscriber)):
        if sub.status != SubscriberStatus.CONFIRMED or sub.email_hash in suppressed:
            assert sub.id not in receivers, f"{sub.status} subscriber {sub.id} got mail"
    assert any(s.status == SubscriberStatus.UNCONFIRMED for s in session.exec(select(Subscriber)))
    assert session.exec(select(Announcement)).first() is not None


def test_intro_template_is_rendered_in_the_sandbox(session: Session) -> None:
    campaign_id = _started_demo(session, subscribers=30)
    keys = _fan_out_all(session, campaign_id, chunk=1000)
    campaign = get_campaign(session, campaign_id=campaign_id)
    ensure_editions(session, campaign=campaign, keys=tuple(keys), settings=get_settings())
    for edition in session.exec(select(Edition).where(Edition.campaign_id == campaign_id)):
        assert "{{" not in edition.html
        german = edition.language == "de"
        name = "Newsletter der Partnerschaft." if german else "Partnership Newsletter."
        assert name in edition.text  # {{ list_name }} in the edition's language


def test_only_announcements_valid_at_the_send_time_are_planned(session: Session) -> None:
    from datetime import timedelta

    from service.campaigns.assembly import candidate_announcements

    summary = seed(session, secret=get_settings().secret_bytes, subscribers=10)
    now = utcnow()
    expired, future, current = session.exec(
        select(Announcement).order_by(Announcement.priority)
    ).all()[:3]
    expired.valid_until = now - timedelta(days=1)
    future.valid_from = now + timedelta(days=1)
    current.valid_from, current.valid_until = now - timedelta(days=1), now + timedelta(days=1)
    session.add_all([expired, future, current])
    session.commit()
    campaign = get_campaign(session, campaign_id=summary.campaign_id)
    planned = {a.slug for a in candidate_announcements(session, campaign=campaign, at=now)}
    assert current.slug in planned
    assert expired.slug not in planned and future.slug not in planned
    later = {
        a.slug
        for a in candidate_announcements(session, campaign=campaign, at=now + timedelta(days=2))
    }
    assert future.slug in later and current.slug not in later


def test_D1_campaign_reaches_only_consent_for_its_list_rechecked_at_dispatch(
    session: Session,
) -> None:
    """Fan-out selects only subscribers holding the campaign's list (a confirmed subscriber with
    no subscription row, or only another list's, gets nothing); the send path's per-chunk check
    drops someone who left the list after fan-out."""
    from service.campaigns.claims import load_claimed
    from service.db import get_engine
    from service.models import ListSubscription

    campaign_id = _started_demo(session, subscribers=30)
    hashes = {s.email_hash for s in session.exec(select(Suppression))}
    people = [
        s
        for s in session.exec(select(Subscriber).order_by(Subscriber.id))
        if s.status == SubscriberStatus.CONFIRMED and s.email_hash not in hashes
    ]
    keeps, ecr_only, no_rows = people[0], people[1], people[2]
    for person in (ecr_only, no_rows):
        for row in session.exec(
            select(ListSubscription).where(ListSubscription.subscriber_id == person.id)
        ):
            session.delete(row)
    session.flush()
    session.add(ListSubscription(subscriber_id=ecr_only.id, list_slug="ecr"))
    session.commit()
    _fan_out_all(session, campaign_id, chunk=7)
    got = {d.subscriber_id: d.id for d in session.exec(select(Delivery))}
    assert keeps.id in got and ecr_only.id not in got and no_rows.id not in got
    assert set(got) == {p.id for p in people} - {ecr_only.id, no_rows.id}
    row = session.get(ListSubscription, (keeps.id, "newsletter"))
    assert row is not None
    row.active = False  # left the list between fan-out and dispatch
    session.commit()
    with get_engine().connect() as conn:
        ids = sorted(got.values())
        sendable, gone = load_claimed(
            conn, ids=ids, tracking_mode="consent", list_slug="newsletter"
        )
    assert gone == [got[keeps.id]]
    assert len(sendable) == len(ids) - 1
