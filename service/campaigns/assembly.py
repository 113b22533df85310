"""Which announcements each recipient gets, computed in SQL as a bit mask per subscriber.

Bit i of a subscriber's mask is set when candidate announcement i targets any segment the
subscriber belongs to. Recipients with the same language and mask share one edition, so the
edition key is `language:mask` and rendering happens once per key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.audience.cadence import cadence_condition
from service.audience.segments import deliverable_condition
from service.campaigns.picks import picked_filter
from service.campaigns.sent_history import only_new, refresh_history
from service.domain.segment_rules import compile_rule
from service.errors import InvalidInput
from service.models import (
    Announcement,
    AnnouncementSegment,
    ApprovalState,
    Cadence,
    Campaign,
    CampaignSegment,
    Segment,
    Subscriber,
)

LANGUAGES = ("de", "en")
MAX_ANNOUNCEMENTS = 62  # the mask must fit a signed 64-bit integer
DIGEST_CADENCES = (Cadence.WEEKLY.value, Cadence.MONTHLY.value)


@dataclass(frozen=True)
class CampaignPlan:
    """The audience condition and the per-subscriber edition key expression of a campaign."""

    announcements: tuple[Announcement, ...]
    audience: sa.ColumnElement[bool]
    edition_key: sa.ColumnElement[str]


def planned_announcements(
    session: Session, *, campaign: Campaign, at: datetime
) -> list[Announcement]:
    """The campaign's announcement plan, frozen on first use so mask bits never shift."""
    if campaign.plan_announcement_ids is None:
        campaign.plan_announcement_ids = [
            a.id for a in candidate_announcements(session, campaign=campaign, at=at) if a.id
        ]
        session.add(campaign)
        session.flush()
    ids = campaign.plan_announcement_ids
    found = {a.id: a for a in session.exec(select(Announcement).where(Announcement.id.in_(ids)))}  # type: ignore[union-attr]
    return [found[i] for i in ids if i in found]


def candidate_announcements(
    session: Session, *, campaign: Campaign, at: datetime
) -> list[Announcement]:
    """Approved announcements valid at `at` (only the picked ones, if any), by priority then id."""
    query = select(Announcement).where(
        Announcement.approval == ApprovalState.APPROVED,
        picked_filter(session, campaign_id=campaign.id),
    )
    query = query.where(
        sa.or_(col(Announcement.valid_from).is_(None), col(Announcement.valid_from) <= at),
        sa.or_(col(Announcement.valid_until).is_(None), col(Announcement.valid_until) >= at),
    ).order_by(col(Announcement.priority), col(Announcement.id))
    found = list(session.exec(query))
    if len(found) > MAX_ANNOUNCEMENTS:
        raise InvalidInput(f"a campaign can carry at most {MAX_ANNOUNCEMENTS} announcements")
    return found


def _segment_rules(session: Session, segment_ids: set[int]) -> dict[int, dict[str, Any]]:
    rows = session.exec(select(Segment).where(Segment.id.in_(segment_ids)))  # type: ignore[union-attr]
    return {s.id: s.rule for s in rows if s.id is not None}


def _any_segment(
    rules: dict[int, dict[str, Any]], ids: list[int], dialect: str
) -> sa.ColumnElement[bool]:
    conds = [compile_rule(rules[i], dialect=dialect) for i in ids if i in rules]
    return sa.or_(*conds) if conds else sa.false()


def build_plan(
    session: Session, *, campaign: Campaign, at: datetime, freeze: bool = True
) -> CampaignPlan:
    """Compile the campaign's audience and edition-key expressions for this database.

    `freeze=False` (live counts of a draft) uses today's candidates without fixing the plan.
    """
    dialect = session.get_bind().dialect.name
    targets = list(
        session.exec(select(CampaignSegment).where(CampaignSegment.campaign_id == campaign.id))
    )
    announcements = (
        planned_announcements(session, campaign=campaign, at=at)
        if freeze
        else candidate_announcements(session, campaign=campaign, at=at)
    )
    links = list(
        session.exec(
            select(AnnouncementSegment).where(
                AnnouncementSegment.announcement_id.in_([a.id for a in announcements])  # type: ignore[attr-defined]
            )
        )
    )
    rules = _segment_rules(session, {t.segment_id for t in targets} | {x.segment_id for x in links})
    include = _any_segment(rules, [t.segment_id for t in targets if not t.exclude], dialect)
    exclude = _any_segment(rules, [t.segment_id for t in targets if t.exclude], dialect)
    mask = _mask_expression(announcements, links, rules, dialect)
    if campaign.cadence in DIGEST_CADENCES and campaign.id is not None:
        refresh_history(session, campaign=campaign, announcements=tuple(announcements))
        mask = only_new(mask, campaign.id)  # a digest carries only what is new to each reader
    # Confirmed, not suppressed, still on this list, on this cadence; checked again at dispatch.
    deliverable = sa.and_(
        deliverable_condition(campaign.list_slug),
        cadence_condition(campaign.list_slug, campaign.cadence),
    )
    audience = sa.and_(include, sa.not_(exclude), deliverable, mask > 0)
    language = sa.case((Subscriber.language == "de", "de"), else_="en")  # type: ignore[arg-type]
    edition_key = language + sa.literal(":") + sa.cast(mask, sa.String)
    return CampaignPlan(tuple(announcements), audience, edition_key)


def _mask_expression(
    announcements: list[Announcement],
    links: list[AnnouncementSegment],
    rules: dict[int, dict[str, Any]],
    dialect: str,
) -> sa.ColumnElement[int]:
    """Sum of 2**i over announcements whose audience matches the subscriber."""
    terms: list[sa.ColumnElement[int]] = []
    for i, announcement in enumerate(announcements):
        segment_ids = [x.segment_id for x in links if x.announcement_id == announcement.id]
        matches = _any_segment(rules, segment_ids, dialect)
        terms.append(
            sa.case(
                (matches, sa.literal(1 << i, sa.BigInteger)), else_=sa.literal(0, sa.BigInteger)
            )
        )
    if not terms:
        return sa.literal(0, sa.BigInteger)
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def announcements_for_key(
    plan_announcements: tuple[Announcement, ...], key: str
) -> tuple[str, list[Announcement]]:
    """Decode an edition key into its language and ordered announcements (an "@n" suffix is a
    welcome step's text revision)."""
    language, _, mask_text = key.partition(":")
    mask = int(mask_text.partition("@")[0])
    chosen = [a for i, a in enumerate(plan_announcements) if mask >> i & 1]
    return language, chosen
