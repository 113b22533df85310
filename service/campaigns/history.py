"""Write and read a campaign's history; admin overrides also go to the audit log.

`service/audit.py` is not on main yet: overrides are recorded here (table campaignevent, with
actor and reason) and logged on the `newsdesk.audit` logger; fold them in when it lands.
"""

from __future__ import annotations

import logging

from sqlmodel import Session, col, select

from service.models import CampaignEvent

audit_log = logging.getLogger("newsdesk.audit")


def record(
    session: Session, *, campaign_id: int, kind: str, detail: str, actor: str = "system"
) -> CampaignEvent:
    """Append one entry to the campaign's history (adds and flushes)."""
    event = CampaignEvent(campaign_id=campaign_id, kind=kind, detail=detail[:2000], actor=actor)
    session.add(event)
    session.flush()
    if actor != "system":
        audit_log.warning("campaign %s: %s by %s: %s", campaign_id, kind, actor, detail)
    return event


def history(session: Session, *, campaign_id: int) -> list[CampaignEvent]:
    """The campaign's history, oldest first."""
    return list(
        session.exec(
            select(CampaignEvent)
            .where(CampaignEvent.campaign_id == campaign_id)
            .order_by(col(CampaignEvent.id))
        ).all()
    )
