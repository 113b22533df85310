"""Where a click token may redirect: an in-process cache of each campaign's edition link tables.

A campaign's editions are read once per process (and again when a token names an edition the
cache has not seen, at most once a second per campaign). Edition-qualified tokens resolve from the
cache alone. Plain link indices resolve from the cache when every edition agrees on link n;
otherwise the subscriber's delivery names the edition (one read per subscriber, then cached).
A target is only ever a URL stored in an Edition of that campaign: never anything from the request.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session

from service.addressing.links import split_link_index
from service.db import get_engine
from service.models import Delivery, Edition
from service.models._common import table_of

_RELOAD_EVERY_S = 1.0
_SUBSCRIBER_CACHE = 200_000


@dataclass
class CampaignLinks:
    """Link tables of one campaign's editions."""

    by_id: dict[int, tuple[str, list[str]]] = field(default_factory=dict)  # id -> (key, links)
    by_key: dict[str, int] = field(default_factory=dict)
    common: dict[int, str] = field(default_factory=dict)  # n -> URL when all editions agree
    loaded_at: float = 0.0


@dataclass(frozen=True)
class Target:
    """A resolved click: where to send the reader, and the edition when known."""

    url: str
    edition_id: int | None
    n: int


def _load(campaign_id: int) -> CampaignLinks:
    """Read every edition's links of one campaign."""
    table = table_of(Edition)
    query = sa.select(table.c.id, table.c.key, table.c.links).where(
        table.c.campaign_id == campaign_id
    )
    result = CampaignLinks(loaded_at=time.monotonic())
    seen: dict[int, set[str]] = {}
    with get_engine().connect() as conn:
        for edition_id, key, links in conn.execute(query):
            result.by_id[edition_id] = (key, list(links or []))
            result.by_key[key] = edition_id
            for n, url in enumerate(links or []):
                seen.setdefault(n, set()).add(url)
    result.common = {n: next(iter(urls)) for n, urls in seen.items() if len(urls) == 1}
    return result


class LinkTargets:
    """Thread-safe per-process cache from click tokens to registered URLs."""

    def __init__(self) -> None:
        self._campaigns: dict[int, CampaignLinks] = {}
        self._editions: OrderedDict[tuple[int, int], int] = OrderedDict()
        self._lock = threading.Lock()

    def cached(self, campaign_id: int, subscriber_id: int, link_index: int) -> Target | None:
        """Resolve from memory only; None means 'ask resolve()' (which may read the database)."""
        links = self._campaigns.get(campaign_id)
        if links is None:
            return None
        edition_id, n = split_link_index(link_index)
        if edition_id is None:
            edition_id = self._editions.get((campaign_id, subscriber_id))
            if edition_id is None:
                url = links.common.get(n)
                return Target(url, None, n) if url is not None else None
        entry = links.by_id.get(edition_id)
        if entry is None or n >= len(entry[1]):
            return None
        return Target(entry[1][n], edition_id, n)

    def resolve(self, campaign_id: int, subscriber_id: int, link_index: int) -> Target | None:
        """The registered target, reading the database when the cache cannot answer."""
        hit = self.cached(campaign_id, subscriber_id, link_index)
        if hit is not None:
            return hit
        self._refresh(campaign_id)
        edition_id, _n = split_link_index(link_index)
        if edition_id is None and subscriber_id:
            self._learn_subscriber(campaign_id, subscriber_id)
        return self.cached(campaign_id, subscriber_id, link_index)

    def _refresh(self, campaign_id: int) -> None:
        """(Re)load a campaign's editions, at most once a second (fan-out adds editions)."""
        current = self._campaigns.get(campaign_id)
        if current is not None and time.monotonic() - current.loaded_at < _RELOAD_EVERY_S:
            return
        loaded = _load(campaign_id)
        with self._lock:
            self._campaigns[campaign_id] = loaded

    def _learn_subscriber(self, campaign_id: int, subscriber_id: int) -> None:
        """Remember which edition the subscriber's delivery used."""
        with Session(get_engine()) as session:
            d = table_of(Delivery).c
            key = session.execute(
                sa.select(d.edition_key).where(
                    d.campaign_id == campaign_id, d.subscriber_id == subscriber_id
                )
            ).scalar_one_or_none()
        links = self._campaigns.get(campaign_id)
        if key is None or links is None or key not in links.by_key:
            return
        with self._lock:
            self._editions[(campaign_id, subscriber_id)] = links.by_key[key]
            while len(self._editions) > _SUBSCRIBER_CACHE:
                self._editions.popitem(last=False)

    def clear(self) -> None:
        """Forget everything (tests, settings changes)."""
        with self._lock:
            self._campaigns.clear()
            self._editions.clear()


link_targets = LinkTargets()
