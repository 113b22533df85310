"""Campaign state changes, all through the one transition table."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from service.domain.campaign_states import CampaignAction, next_status, sources_of
from service.errors import NotFound
from service.models import Campaign, Delivery, DeliveryStatus
from service.models._common import rowcount, table_of, utcnow
from service.models.campaign import CampaignStatus


def get_campaign(session: Session, *, campaign_id: int, lock: bool = False) -> Campaign:
    """Load a campaign or raise NotFound."""
    campaign = session.get(Campaign, campaign_id, with_for_update=lock or None)
    if campaign is None:
        raise NotFound(f"campaign {campaign_id} does not exist")
    return campaign


def apply_action(
    session: Session, *, campaign_id: int, action: CampaignAction, reason: str | None = None
) -> Campaign:
    """Move a campaign along the transition table (row-locked) and stamp the times."""
    campaign = get_campaign(session, campaign_id=campaign_id, lock=True)
    new = next_status(campaign.status, action)
    campaign.status = new
    campaign.status_reason = reason
    if new is CampaignStatus.SENDING and campaign.started_at is None:
        campaign.started_at = utcnow()
    if new in (CampaignStatus.SENT, CampaignStatus.CANCELLED):
        campaign.finished_at = utcnow()
    session.add(campaign)
    session.flush()
    return campaign


def start_due(session: Session, *, now: datetime) -> list[int]:
    """Atomically move every due scheduled campaign to sending; returns their ids."""
    table = table_of(Campaign)
    stmt = (
        sa.update(table)
        .where(table.c.status.in_(sources_of(CampaignAction.START)), table.c.send_at <= now)
        .values(status=CampaignStatus.SENDING, started_at=now, status_reason=None)
        .returning(table.c.id)
    )
    return [row[0] for row in session.execute(stmt)]


def finish_if_complete(session: Session, *, campaign_id: int) -> bool:
    """Mark a sending campaign sent once fan-out is done and no delivery is open.

    One statement checks both, under the campaign row's lock: a count read first and an UPDATE
    after it raced a fan-out committing its deliveries together with fanout_done in between,
    and marked campaigns sent with every delivery still queued (found by the soak test).
    """
    table, deliveries = table_of(Campaign), table_of(Delivery)
    if session.get_bind().dialect.name == "postgresql":
        # Wait for a fan-out holding the row; the UPDATE's fresh snapshot then sees its rows.
        session.execute(sa.select(table.c.id).where(table.c.id == campaign_id).with_for_update())
    still_open = sa.exists().where(
        deliveries.c.campaign_id == campaign_id,
        deliveries.c.status.in_([DeliveryStatus.QUEUED, DeliveryStatus.CLAIMED]),
    )
    stmt = (
        sa.update(table)
        .where(
            table.c.id == campaign_id,
            table.c.status.in_(sources_of(CampaignAction.FINISH)),
            table.c.fanout_done.is_(True),
            sa.not_(still_open),
            table.c.cadence != "series",  # a welcome step gets new rows as people confirm
        )
        .values(status=CampaignStatus.SENT, finished_at=utcnow())
    )
    return rowcount(session.execute(stmt)) == 1
