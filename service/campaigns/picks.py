"""The announcements a team picked for a campaign (none picked: every approved, valid one)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, delete, select

from service.domain.approval_states import ApprovalState
from service.errors import InvalidInput
from service.models import Announcement, CampaignAnnouncement
from service.models._common import as_utc


def picked_ids(session: Session, *, campaign_id: int | None) -> list[int]:
    """Ids of the picked announcements, ascending (empty: the campaign has no picks)."""
    if campaign_id is None:
        return []
    stmt = (
        select(CampaignAnnouncement.announcement_id)
        .where(CampaignAnnouncement.campaign_id == campaign_id)
        .order_by(col(CampaignAnnouncement.announcement_id))
    )
    return list(session.exec(stmt))


def set_picks(session: Session, *, campaign_id: int, announcement_ids: list[int]) -> None:
    """Replace the campaign's picked announcements; unknown ids are an error naming them."""
    wanted = sorted(set(announcement_ids))
    found = set(session.exec(select(Announcement.id).where(col(Announcement.id).in_(wanted))))
    unknown = [i for i in wanted if i not in found]
    if unknown:
        raise InvalidInput(f"unknown announcement(s): {', '.join(map(str, unknown))}")
    session.exec(
        delete(CampaignAnnouncement).where(col(CampaignAnnouncement.campaign_id) == campaign_id)
    )
    for announcement_id in wanted:
        session.add(CampaignAnnouncement(campaign_id=campaign_id, announcement_id=announcement_id))
    session.flush()


def pick_problems(session: Session, *, campaign_id: int, at: datetime) -> list[str]:
    """Why picked announcements would not be carried at `at` (not approved, outside window)."""
    ids = picked_ids(session, campaign_id=campaign_id)
    if not ids:
        return []
    rows = session.exec(select(Announcement).where(col(Announcement.id).in_(ids)))
    problems = []
    moment = as_utc(at)
    assert moment is not None
    for row in sorted(rows, key=lambda r: r.id or 0):
        if row.approval != ApprovalState.APPROVED:
            problems.append(f"announcement {row.slug!r} is {row.approval}, not approved")
        elif row.valid_from and as_utc(row.valid_from) > moment:  # type: ignore[operator]
            problems.append(f"announcement {row.slug!r} is valid only from {row.valid_from}")
        elif row.valid_until and as_utc(row.valid_until) < moment:  # type: ignore[operator]
            problems.append(f"announcement {row.slug!r} expired at {row.valid_until}")
    return problems


def picked_filter(session: Session, *, campaign_id: int | None) -> sa.ColumnElement[bool]:
    """A WHERE clause on announcements: the picks, or true when there are none."""
    ids = picked_ids(session, campaign_id=campaign_id)
    return col(Announcement.id).in_(ids) if ids else sa.true()
