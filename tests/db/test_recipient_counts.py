"""Live recipient counts of a draft equal what fan-out then creates, without freezing the plan."""

from __future__ import annotations

from collections import Counter

from sqlmodel import Session, select

from service.audience.segments import segment_count
from service.campaigns.authoring import schedule
from service.campaigns.fanout import fan_out_chunk
from service.campaigns.lifecycle import get_campaign, start_due
from service.campaigns.recipient_counts import recipient_counts
from service.demo.seed import seed
from service.models import Delivery
from service.models._common import utcnow
from service.settings import get_settings


def test_counts_match_the_deliveries_fan_out_creates(session: Session) -> None:
    summary = seed(session, secret=get_settings().secret_bytes, subscribers=150)
    session.commit()
    counts = recipient_counts(session, campaign_id=summary.campaign_id)
    assert get_campaign(session, campaign_id=summary.campaign_id).plan_announcement_ids is None
    assert [slug for slug, _, _ in counts.per_segment] == ["everyone"]
    assert counts.per_segment[0][2] == counts.total
    assert counts.total == segment_count(session, rule={"all": []})
    schedule(session, campaign_id=summary.campaign_id, send_at=None)
    start_due(session, now=utcnow())
    session.commit()
    while not fan_out_chunk(session, campaign_id=summary.campaign_id, chunk_size=64).done:
        session.commit()
    session.commit()
    keys = session.exec(
        select(Delivery.edition_key).where(Delivery.campaign_id == summary.campaign_id)
    ).all()
    assert counts.total == len(keys)
    assert {e.key: e.recipients for e in counts.per_edition} == dict(Counter(keys))
    assert all(e.language in ("de", "en") and e.announcements for e in counts.per_edition)
