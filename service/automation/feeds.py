"""Partner feeds into drafts: each new item becomes exactly one DRAFT announcement.

Nothing from a feed is sent on its own: the draft waits for an editor (segments, wording) and
an approver, like any announcement. `feed_item` is unique per (feed, item id hash), so a
re-fetch, a retried task or two workers at once create one draft per item.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session, col, select

from service.accounts.errors import N_
from service.automation.feed_fetch import FeedFetchError, check_url, fetch
from service.automation.feed_parse import FeedEntry, FeedParseError, detect_language, parse_feed
from service.content.announcements import save_announcement
from service.db import session_scope
from service.errors import ExplainedInvalid, NotFound
from service.models import Feed, FeedItem
from service.models._common import utcnow
from service.settings import Settings

log = logging.getLogger(__name__)
READ_MORE = {"en": "Read more", "de": "Weiterlesen"}


def add_feed(
    session: Session, *, name: str, url: str, language: str | None, topic: str = "general"
) -> Feed:
    """Register a feed (URL checked, language de/en or None to detect)."""
    if not name.strip():
        raise ExplainedInvalid("a feed needs a name", msgid=N_("A feed needs a name."))
    if language not in (None, "de", "en"):
        raise ExplainedInvalid(
            "feed language: de, en or empty (detect per item)",
            msgid=N_("Feed language: German, English or empty (detected per item)."),
        )
    url = check_url(url)
    if session.exec(select(Feed).where(Feed.url == url)).first() is not None:
        raise ExplainedInvalid(
            f"the feed {url} is registered already",
            msgid=N_("The feed %(url)s is registered already."),
            url=url,
        )
    feed = Feed(name=name.strip(), url=url, language=language, topic=topic or "general")
    session.add(feed)
    session.flush()
    return feed


def fetch_all(*, settings: Settings) -> dict[str, int]:
    """Fetch every active feed, each in its own transaction; returns counts for the log."""
    with session_scope() as session:
        ids = [f.id for f in session.exec(select(Feed).where(col(Feed.active)))]
    created = 0
    for feed_id in ids:
        assert feed_id is not None
        created += fetch_one(feed_id=feed_id, settings=settings)
    return {"feeds": len(ids), "drafts": created}


def fetch_one(*, feed_id: int, settings: Settings, now: datetime | None = None) -> int:
    """Fetch one feed and store its new items as drafts; errors are recorded on the feed."""
    with session_scope() as session:
        feed = session.get(Feed, feed_id)
        if feed is None:
            raise NotFound(f"feed {feed_id} does not exist")
        etag, modified, url = feed.etag, feed.last_modified, feed.url
    try:  # the network call holds no transaction open
        got = fetch(
            url,
            etag=etag,
            last_modified=modified,
            timeout_s=settings.feed_timeout_s,
            max_bytes=settings.feed_max_bytes,
        )
        entries = (
            [] if got.status == 304 else parse_feed(got.body, max_items=settings.feed_max_items)
        )
    except (FeedFetchError, FeedParseError) as exc:
        with session_scope() as session:
            _record_error(session, feed_id=feed_id, error=str(exc), now=now or utcnow())
        return 0
    with session_scope() as session:
        feed = session.get(Feed, feed_id, with_for_update=True)
        assert feed is not None
        created = sum(_store(session, feed=feed, entry=e) for e in entries)
        feed.last_fetched_at, feed.last_error, feed.error_count = now or utcnow(), None, 0
        feed.last_status = "not modified" if got.status == 304 else f"{len(entries)} items"
        if got.status == 200:
            feed.etag, feed.last_modified = got.etag, got.last_modified
        feed.items_created += created
        session.add(feed)
    return created


def _record_error(session: Session, *, feed_id: int, error: str, now: datetime) -> None:
    feed = session.get(Feed, feed_id, with_for_update=True)
    assert feed is not None
    feed.last_fetched_at, feed.last_status, feed.last_error = now, "error", error[:2000]
    feed.error_count += 1
    session.add(feed)
    log.warning("feed %s (%s): %s", feed.id, feed.url, error)


def _store(session: Session, *, feed: Feed, entry: FeedEntry) -> int:
    """One draft for an item never seen on this feed (savepoint: a racing twin is a no-op)."""
    seen = session.exec(
        select(FeedItem.id).where(
            FeedItem.feed_id == feed.id, FeedItem.guid_hash == entry.guid_hash
        )
    ).first()
    if seen is not None:
        return 0
    assert feed.id is not None
    language = (
        feed.language
        or entry.language
        or detect_language(f"{entry.title} {entry.summary_markdown}")
    )
    fields = {
        "slug": f"feed-{feed.id}-{entry.guid_hash[:12]}",
        f"title_{language}": entry.title,
        f"summary_{language}": entry.summary_markdown or None,
        "cta_url": entry.link,
        f"cta_label_{language}": READ_MORE[language] if entry.link else None,
        "topic": feed.topic,
    }
    draft = save_announcement(session, fields=fields, segments=None)
    session.add(FeedItem(feed_id=feed.id, guid_hash=entry.guid_hash, announcement_id=draft.id))
    session.flush()
    return 1


def feed_drafts(session: Session, *, feed_id: int, limit: int = 20) -> list[FeedItem]:
    """The feed's latest items (each names its draft announcement)."""
    return list(
        session.exec(
            select(FeedItem)
            .where(FeedItem.feed_id == feed_id)
            .order_by(col(FeedItem.id).desc())
            .limit(limit)
        )
    )
