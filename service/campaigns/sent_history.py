"""What each subscriber already got, for campaigns that carry only what is new to them.

The history is the delivery rows plus the edition each one names. Per campaign the few
editions that carried any of its plan's announcements are reduced to a bit mask over that
plan (`campaign_history_mask`, refreshed at each fan-out chunk); the fan-out then ORs, in
SQL, the masks of each subscriber's deliveries and clears those bits from the edition key's
mask. One correlated index lookup per subscriber, no per-subscriber Python.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, delete

from service.models import Announcement, Campaign, Delivery, DeliveryStatus, Edition, HistoryMask
from service.models._common import table_of
from service.models.campaign import CampaignStatus
from service.models.subscriber import Subscriber

# A queued or claimed row of a live campaign will be sent: it counts, so nothing goes twice.
PENDING = (DeliveryStatus.QUEUED.value, DeliveryStatus.CLAIMED.value)


def refresh_history(
    session: Session, *, campaign: Campaign, announcements: tuple[Announcement, ...]
) -> int:
    """Recompute the campaign's history masks from every other campaign's editions."""
    assert campaign.id is not None
    session.exec(delete(HistoryMask).where(col(HistoryMask.campaign_id) == campaign.id))
    bits = {a.id: 1 << i for i, a in enumerate(announcements)}
    if not bits:
        return 0
    cancelled = set(
        session.execute(
            sa.select(col(Campaign.id)).where(col(Campaign.status) == CampaignStatus.CANCELLED)
        ).scalars()
    )
    rows = session.execute(
        sa.select(col(Edition.campaign_id), col(Edition.key), col(Edition.announcement_ids)).where(
            col(Edition.campaign_id) != campaign.id
        )
    )
    added = 0
    for source_id, key, ids in rows:
        mask = sum(bits.get(i, 0) for i in set(ids or ()))
        if mask:
            session.add(
                HistoryMask(
                    campaign_id=campaign.id,
                    source_campaign_id=source_id,
                    edition_key=key,
                    mask=mask,
                    sent_only=source_id in cancelled,
                )
            )
            added += 1
    session.flush()
    return added


def already_sent_mask(campaign_id: int) -> sa.ColumnElement[int]:
    """Per subscriber (correlated): OR of the plan bits their earlier deliveries carried."""
    hist, deliveries = table_of(HistoryMask), table_of(Delivery)
    counted = sa.or_(
        deliveries.c.status == DeliveryStatus.SENT.value,
        sa.and_(hist.c.sent_only.is_(False), deliveries.c.status.in_(PENDING)),
    )
    joined = deliveries.join(
        hist,
        sa.and_(
            hist.c.source_campaign_id == deliveries.c.campaign_id,
            hist.c.edition_key == deliveries.c.edition_key,
        ),
    )
    sent = (
        sa.select(sa.func.coalesce(sa.func.bit_or(hist.c.mask), 0))
        .select_from(joined)
        .where(
            hist.c.campaign_id == campaign_id,
            deliveries.c.subscriber_id == col(Subscriber.id),
            counted,
        )
        .scalar_subquery()
    )
    return sa.cast(sent, sa.BigInteger)


def only_new(mask: sa.ColumnElement[int], campaign_id: int) -> sa.ColumnElement[int]:
    """The mask without the bits this subscriber already received."""
    return mask - mask.op("&")(already_sent_mask(campaign_id))
