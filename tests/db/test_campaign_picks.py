"""A campaign carries exactly the announcements the team picked; campaigns are versioned."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from service.audit import trail
from service.campaigns.assembly import announcements_for_key, candidate_announcements
from service.campaigns.authoring import act, save_campaign, schedule
from service.campaigns.fanout import fan_out_chunk
from service.campaigns.lifecycle import get_campaign, start_due
from service.campaigns.picks import picked_ids
from service.content.approval import withdraw
from service.demo.seed import seed
from service.domain.campaign_states import CampaignAction
from service.errors import InvalidInput, StaleWrite
from service.models import Announcement, Delivery
from service.models._common import utcnow
from service.settings import get_settings
from tests.db.newsroom_users import add_users


def _ids(session: Session, *slugs: str) -> list[int]:
    rows = session.exec(select(Announcement).where(Announcement.slug.in_(slugs))).all()  # type: ignore[attr-defined]
    return sorted(r.id for r in rows if r.id is not None)


def _campaign(session: Session, picks: list[int] | None) -> int:
    campaign = save_campaign(
        session,
        fields={"name": "Picked", "subject_en": "News", "subject_de": "Neues"},
        include=["everyone"],
        exclude=[],
        announcement_ids=picks,
        actor_id=7,
    )
    assert campaign.id is not None
    session.commit()
    return campaign.id


@pytest.fixture
def demo(session: Session) -> Session:
    seed(session, secret=get_settings().secret_bytes, subscribers=120)
    add_users(session, 7, 8, 9)
    session.commit()
    return session


def test_candidates_are_the_picks_only(demo: Session) -> None:
    picks = _ids(demo, "research-stays", "lung-conference-call")
    campaign = get_campaign(demo, campaign_id=_campaign(demo, picks))
    got = {a.slug for a in candidate_announcements(demo, campaign=campaign, at=utcnow())}
    assert got == {"research-stays", "lung-conference-call"}
    assert picked_ids(demo, campaign_id=campaign.id) == picks


def test_without_picks_every_approved_valid_announcement_is_a_candidate(demo: Session) -> None:
    campaign = get_campaign(demo, campaign_id=_campaign(demo, None))
    assert len(candidate_announcements(demo, campaign=campaign, at=utcnow())) == 5


def test_fan_out_uses_the_picked_set_and_still_targets_by_segment(demo: Session) -> None:
    picks = _ids(demo, "research-stays")  # audience: early-career only
    campaign_id = _campaign(demo, picks)
    schedule(demo, campaign_id=campaign_id, send_at=None, actor_id=8)
    assert start_due(demo, now=utcnow()) == [campaign_id]
    demo.commit()
    while not fan_out_chunk(demo, campaign_id=campaign_id, chunk_size=40).done:
        demo.commit()
    demo.commit()
    campaign = get_campaign(demo, campaign_id=campaign_id)
    assert campaign.plan_announcement_ids == picks
    keys = set(demo.exec(select(Delivery.edition_key).where(Delivery.campaign_id == campaign_id)))
    plan = tuple(demo.exec(select(Announcement).where(Announcement.id.in_(picks))))  # type: ignore[union-attr]
    assert keys and all(announcements_for_key(plan, k)[1] == list(plan) for k in keys)
    everyone = len(demo.exec(select(Delivery).where(Delivery.campaign_id == 1)).all())
    assert everyone == 0  # the demo's own campaign was never started


def test_an_unapproved_pick_blocks_scheduling_with_its_name(demo: Session) -> None:
    picks = _ids(demo, "research-stays", "mou-signed")
    campaign_id = _campaign(demo, picks)
    withdraw(demo, announcement_id=_ids(demo, "mou-signed")[0], actor_id=9)
    with pytest.raises(InvalidInput, match="'mou-signed' is draft, not approved"):
        schedule(demo, campaign_id=campaign_id, send_at=None)


def test_unknown_pick_is_named(demo: Session) -> None:
    with pytest.raises(InvalidInput, match="unknown announcement"):
        _campaign(demo, [999])


def test_stale_campaign_edit_and_action_are_refused(demo: Session) -> None:
    campaign_id = _campaign(demo, None)
    save_campaign(
        demo,
        fields={"name": "Renamed"},
        include=None,
        exclude=None,
        campaign_id=campaign_id,
        actor_id=7,
        version=1,
    )
    demo.commit()
    with pytest.raises(StaleWrite, match="changed by Sam"):
        save_campaign(
            demo,
            fields={"name": "Mine"},
            include=None,
            exclude=None,
            campaign_id=campaign_id,
            actor_id=8,
            version=1,
        )
    demo.rollback()
    with pytest.raises(StaleWrite):
        act(demo, campaign_id=campaign_id, action=CampaignAction.CANCEL, actor_id=8, version=1)
    demo.rollback()
    cancelled = act(
        demo, campaign_id=campaign_id, action=CampaignAction.CANCEL, actor_id=8, version=2
    )
    assert (cancelled.status, cancelled.version, cancelled.name) == ("cancelled", 3, "Renamed")
    events = trail(demo, object_type="campaign", object_id=campaign_id)
    actions = [e.action for e, _ in reversed(events)]
    assert actions == ["campaign.create", "campaign.edit", "campaign.cancel"]
