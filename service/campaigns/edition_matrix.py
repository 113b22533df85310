"""The edition matrix of a campaign (language x announcement set) and a preview of each.

Before fan-out the matrix is the live count per edition key (what fan-out would create now);
once editions are rendered, a preview shows the stored edition exactly as sent.
"""

from __future__ import annotations

from sqlmodel import Session, select

from service.campaigns.assembly import announcements_for_key, candidate_announcements
from service.campaigns.editions import edition_input
from service.campaigns.lifecycle import get_campaign
from service.campaigns.preview import neutral_fill
from service.errors import NotFound
from service.models import Edition
from service.models._common import utcnow
from service.rendering.edition import render_edition
from service.settings import get_settings


def edition_preview_html(session: Session, *, campaign_id: int, key: str) -> str:
    """The HTML of edition `key` with neutral personal values (stored one when rendered)."""
    stored = session.exec(
        select(Edition).where(Edition.campaign_id == campaign_id, Edition.key == key)
    ).first()
    if stored is not None:
        return neutral_fill(stored.html, tuple(stored.links))
    campaign = get_campaign(session, campaign_id=campaign_id)
    at = campaign.send_at or utcnow()
    plan = tuple(candidate_announcements(session, campaign=campaign, at=at))
    try:
        language, chosen = announcements_for_key(plan, key)
    except ValueError:
        raise NotFound(f"edition {key!r} is not an edition key") from None
    if language not in ("de", "en") or not chosen:
        raise NotFound(f"campaign {campaign_id} has no edition {key!r}")
    spec = edition_input(
        session, campaign=campaign, language=language, announcements=chosen, settings=get_settings()
    )
    rendered = render_edition(spec)
    return neutral_fill(rendered.html, rendered.links)
