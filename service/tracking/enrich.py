"""Turn buffered requests into TrackingEvent rows: consent, edition, machine verdict.

Consent is checked again at ingestion (the world may have changed since sending): a campaign
with tracking off records nothing; aggregate-only campaigns, subscribers without (or having
withdrawn) consent and erased subscribers are recorded without identity (subscriber and IP NULL).
Reads per batch: campaigns, subscribers, deliveries, editions, recent clicks (for bursts).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from service.models import Campaign, Delivery, Edition, Subscriber, TrackingEvent
from service.models._common import as_utc, table_of
from service.models.campaign import TrackingMode
from service.settings import Settings
from service.tracking.buffer import RawEvent
from service.tracking.classify import Verdict, classify_click, classify_open

Pair = tuple[int, int]


def _campaign_modes(session: Session, ids: set[int]) -> dict[int, str]:
    """Tracking mode per existing campaign."""
    c = table_of(Campaign).c
    rows = session.execute(sa.select(c.id, c.tracking).where(c.id.in_(ids)))
    return {cid: mode for cid, mode in rows}


def _consenting(session: Session, ids: set[int]) -> set[int]:
    """Subscribers that exist and consent to tracking now."""
    if not ids:
        return set()
    s = table_of(Subscriber).c
    query = sa.select(s.id).where(s.id.in_(ids), s.tracking_consent == sa.true())
    return set(session.execute(query).scalars())


def _deliveries(session: Session, pairs: set[Pair]) -> dict[Pair, tuple[str, datetime | None]]:
    """(edition key, sent_at) of each (campaign, subscriber) delivery."""
    if not pairs:
        return {}
    d = table_of(Delivery).c
    query = sa.select(d.campaign_id, d.subscriber_id, d.edition_key, d.sent_at).where(
        sa.tuple_(d.campaign_id, d.subscriber_id).in_(list(pairs))
    )
    return {(c, s): (key, as_utc(sent)) for c, s, key, sent in session.execute(query)}


def _edition_keys(session: Session, ids: set[int]) -> dict[int, tuple[int, str]]:
    """(campaign, key) of each edition id."""
    if not ids:
        return {}
    e = table_of(Edition).c
    rows = session.execute(sa.select(e.id, e.campaign_id, e.key).where(e.id.in_(ids)))
    return {eid: (cid, key) for eid, cid, key in rows}


def _recent_clicks(
    session: Session, pairs: set[Pair], since: datetime
) -> dict[Pair, list[tuple[datetime, int]]]:
    """Stored clicks of these (campaign, subscriber) pairs since a time, for burst detection."""
    out: dict[Pair, list[tuple[datetime, int]]] = defaultdict(list)
    if not pairs:
        return out
    t = table_of(TrackingEvent).c
    query = sa.select(t.campaign_id, t.subscriber_id, t.occurred_at, t.link_index).where(
        t.kind == "click",
        t.occurred_at >= since,
        sa.tuple_(t.campaign_id, t.subscriber_id).in_(list(pairs)),
    )
    for cid, sid, at, n in session.execute(query):
        out[(cid, sid)].append((as_utc(at) or at, n if n is not None else -1))
    return out


def _burst_sizes(
    clicks: Iterable[tuple[Any, datetime, int]], window: timedelta, burst_links: int
) -> tuple[dict[str, int], list[tuple[datetime, datetime]]]:
    """Distinct links within +-window of each new click (keyed by entry id), and the spans of
    bursts that include already stored clicks (key None), which must be re-marked.

    A sliding window over the clicks in time order: O(n log n) even for a crowd behind one NAT.
    """
    ordered = sorted(clicks, key=lambda c: c[1])
    sizes: dict[str, int] = {}
    spans: set[tuple[datetime, datetime]] = set()
    links: Counter[int] = Counter()
    stored = lo = hi = 0
    for key, at, _n in ordered:
        while hi < len(ordered) and ordered[hi][1] - at <= window:
            links[ordered[hi][2]] += 1
            stored += ordered[hi][0] is None
            hi += 1
        while at - ordered[lo][1] > window:
            links[ordered[lo][2]] -= 1
            if not links[ordered[lo][2]]:
                del links[ordered[lo][2]]
            stored -= ordered[lo][0] is None
            lo += 1
        if key is not None:
            sizes[key] = len(links)
        if len(links) >= burst_links and stored:
            spans.add((ordered[lo][1], ordered[hi - 1][1]))
    return sizes, sorted(spans)


def rows_for(
    session: Session, *, events: Sequence[tuple[str, RawEvent]], settings: Settings
) -> list[dict[str, Any]]:
    """TrackingEvent rows for a batch; events of unknown campaigns or untracked ones are dropped."""
    modes = _campaign_modes(session, {e.campaign_id for _, e in events})
    kept = [
        (i, e) for i, e in events if modes.get(e.campaign_id, TrackingMode.OFF) != TrackingMode.OFF
    ]
    consenting = _consenting(session, {e.subscriber_id for _, e in kept if e.subscriber_id})
    who = {i: _identity(e, modes[e.campaign_id], consenting) for i, e in kept}
    pairs = {(e.campaign_id, s) for i, e in kept if (s := who[i]) is not None}
    deliveries = _deliveries(session, pairs)
    editions = _edition_keys(session, {e.edition_id for _, e in kept if e.edition_id})
    verdicts = _click_verdicts(session, kept, who, deliveries, settings)
    rows = []
    for entry_id, e in kept:
        sid = who[entry_id]
        edition = editions.get(e.edition_id or 0)
        key = edition[1] if edition and edition[0] == e.campaign_id else None
        if key is None and sid is not None:
            key = deliveries.get((e.campaign_id, sid), (None, None))[0]
        verdict = verdicts.get(entry_id) or classify_open(e.user_agent, e.ip)
        rows.append(_row(entry_id, e, sid, key, verdict))
    return rows


def _row(
    entry_id: str, e: RawEvent, sid: int | None, edition_key: str | None, verdict: Verdict
) -> dict[str, Any]:
    """One tracking_event row; no IP address is kept without consent."""
    return {
        "event_id": entry_id,
        "campaign_id": e.campaign_id,
        "subscriber_id": sid,
        "kind": e.kind,
        "link_index": e.n if e.kind == "click" else None,
        "edition_key": edition_key,
        "machine": verdict.machine,
        "reason": verdict.reason,
        "user_agent": e.user_agent[:500],
        "ip": e.ip if sid is not None else None,
        "occurred_at": _at(e),
    }


def _at(event: RawEvent) -> datetime:
    """When the endpoint saw the request."""
    return datetime.fromtimestamp(event.at_ms / 1000, UTC)


def _identity(event: RawEvent, mode: str, consenting: set[int]) -> int | None:
    """The subscriber id to record, or None for an anonymous (aggregate) event."""
    if mode == TrackingMode.CONSENT and event.subscriber_id in consenting:
        return event.subscriber_id
    return None


def _click_verdicts(
    session: Session,
    kept: Sequence[tuple[str, RawEvent]],
    who: dict[str, int | None],
    deliveries: dict[Pair, tuple[str, datetime | None]],
    settings: Settings,
) -> dict[str, Verdict]:
    """Classify every click of the batch."""
    clicks = [(i, e) for i, e in kept if e.kind == "click"]
    sizes = _burst_link_counts(session, clicks, who, settings) if clicks else {}
    out = {}
    for i, e in clicks:
        sent = deliveries.get((e.campaign_id, who[i] or 0), (None, None))[1]
        out[i] = classify_click(
            e.user_agent,
            e.ip,
            seconds_after_delivery=(_at(e) - sent).total_seconds() if sent else None,
            links_in_burst=sizes.get(i, 1),
            prefetch=e.prefetch,
            scanner_window_s=settings.scanner_window_s,
            burst_links=settings.burst_links,
        )
    return out


def _burst_link_counts(
    session: Session,
    clicks: Sequence[tuple[str, RawEvent]],
    who: dict[str, int | None],
    settings: Settings,
) -> dict[str, int]:
    """Distinct links clicked around each click by the same reader (or, anonymous, the same IP),
    counting stored clicks too; stored clicks that turn out to be part of a burst are re-marked."""
    window = timedelta(seconds=settings.burst_window_s)
    groups: dict[Any, list[tuple[Any, datetime, int]]] = defaultdict(list)
    for i, e in clicks:
        group = (e.campaign_id, who[i]) if who[i] is not None else (e.campaign_id, e.ip)
        groups[group].append((i, _at(e), e.n or 0))
    identified = {g for g in groups if isinstance(g[1], int)}
    since = min(at for g in groups.values() for _i, at, _n in g) - window
    for pair, stored in _recent_clicks(session, identified, since).items():
        groups[pair].extend((None, at, n) for at, n in stored)
    sizes: dict[str, int] = {}
    marks: list[tuple[Pair, datetime, datetime]] = []
    for group, members in groups.items():
        group_sizes, spans = _burst_sizes(members, window, settings.burst_links)
        sizes.update(group_sizes)
        if group in identified:
            marks.extend((group, lo, hi) for lo, hi in spans)
    _mark_stored_bursts(session, marks)
    return sizes


def _mark_stored_bursts(session: Session, marks: list[tuple[Pair, datetime, datetime]]) -> None:
    """Clicks stored as human before the rest of their burst arrived become machine clicks
    (one UPDATE per 100 bursts, not one per burst)."""
    t = table_of(TrackingEvent).c
    for start in range(0, len(marks), 100):
        spans = [
            sa.and_(t.campaign_id == c, t.subscriber_id == s, t.occurred_at.between(lo, hi))
            for (c, s), lo, hi in marks[start : start + 100]
        ]
        session.execute(
            sa.update(table_of(TrackingEvent))
            .where(t.kind == "click", t.machine == sa.false(), sa.or_(*spans))
            .values(machine=True, reason="burst")
        )
