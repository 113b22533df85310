"""Edition skeletons per worker process: built once per edition, reused for every recipient."""

from __future__ import annotations

from collections import OrderedDict

from service.campaigns.editions import load_edition
from service.db import session_scope
from service.mail.compose import EditionSkeleton
from service.models import Campaign, Edition
from service.rendering.contract import RenderedEdition
from service.settings import Settings


class SkeletonCache:
    """Per-process cache of built edition skeletons: built once, reused for every recipient."""

    def __init__(self, capacity: int = 64) -> None:
        self._items: OrderedDict[tuple[int, str], EditionSkeleton] = OrderedDict()
        self._capacity = capacity

    def get(self, *, campaign: Campaign, key: str, settings: Settings) -> EditionSkeleton:
        """The skeleton for (campaign, edition key), building it on first use."""
        assert campaign.id is not None
        cache_key = (campaign.id, key)
        if cache_key not in self._items:
            with session_scope() as session:
                edition = load_edition(session, campaign_id=campaign.id, key=key)
            self._items[cache_key] = EditionSkeleton.build(
                edition=edition_as_rendered(edition),
                subject=edition.subject,
                language=edition.language,
                campaign_id=campaign.id,
                list_id=campaign.list_slug,
                list_name=campaign.list_name,
                announcement_ids=tuple(edition.announcement_ids),
                settings=settings,
                edition_id=edition.id or 0,
            )
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)
        return self._items[cache_key]


def edition_as_rendered(edition: Edition) -> RenderedEdition:
    """The stored edition in the renderer's output shape."""
    return RenderedEdition(html=edition.html, text=edition.text, links=tuple(edition.links))


SKELETONS = SkeletonCache()
