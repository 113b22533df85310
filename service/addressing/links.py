"""Which tracking URLs a recipient's mail carries, by campaign mode and subscriber consent.

Click tokens carry (campaign, subscriber, link_index). A link index below EDITION_BASE is the
plain position n in the recipient's edition; at or above it, it is *edition-qualified*:
``edition_id << EDITION_SHIFT | n``, which lets the redirect find the target without looking up
the subscriber's delivery (no database on the hot path) and is the only way aggregate-only
tokens (subscriber 0) can name their edition. The send path should use `personal_tracking`.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.addressing.urls import PublicUrls
from service.errors import InvalidInput
from service.models.campaign import TrackingMode

EDITION_SHIFT = 10
EDITION_BASE = 1 << EDITION_SHIFT  # an edition never has 1,024 links
MAX_EDITION_ID = (2**32 - 1) >> EDITION_SHIFT
AGGREGATE_SUBSCRIBER = 0  # the subscriber id in tokens of aggregate-only tracking


def qualified_link_index(edition_id: int, n: int) -> int:
    """The link index naming both the edition and the position of the link in it."""
    if not 0 <= n < EDITION_BASE:
        raise InvalidInput(f"link position {n} out of range 0..{EDITION_BASE - 1}")
    if not 1 <= edition_id <= MAX_EDITION_ID:
        raise InvalidInput(f"edition id {edition_id} out of range for a click token")
    return (edition_id << EDITION_SHIFT) | n


def split_link_index(link_index: int) -> tuple[int | None, int]:
    """(edition_id or None, position n) of a token's link index."""
    if link_index < EDITION_BASE:
        return None, link_index
    return link_index >> EDITION_SHIFT, link_index & (EDITION_BASE - 1)


def token_subscriber(mode: str, *, subscriber_id: int, consent: bool) -> int | None:
    """The subscriber id to put in tokens: the id, 0 (aggregate) or None (no tracking at all)."""
    if mode == TrackingMode.CONSENT:
        return subscriber_id if consent else None
    if mode == TrackingMode.AGGREGATE:
        return AGGREGATE_SUBSCRIBER
    return None


@dataclass(frozen=True)
class PersonalTracking:
    """What to fill into PIXEL and LINK{n} for one recipient."""

    pixel_url: str | None  # None: PIXEL is ''
    link_urls: tuple[str, ...]  # LINK{n}: tracked redirect or the original URL


def personal_tracking(
    urls: PublicUrls,
    *,
    mode: str,
    consent: bool,
    campaign_id: int,
    subscriber_id: int,
    edition_id: int,
    links: tuple[str, ...] | list[str],
) -> PersonalTracking:
    """Pixel and link URLs for one recipient; without tracking: no pixel, original links (D4)."""
    who = token_subscriber(mode, subscriber_id=subscriber_id, consent=consent)
    if who is None:
        return PersonalTracking(None, tuple(links))
    return PersonalTracking(
        urls.open_pixel(campaign_id, who),
        tuple(
            urls.click(campaign_id, who, qualified_link_index(edition_id, n))
            for n in range(len(links))
        ),
    )
