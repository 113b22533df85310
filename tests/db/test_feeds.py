"""Partner feeds against a loopback HTTP server: one draft per new item, 304 creates nothing,
malformed, oversized and hostile feeds create nothing unsafe and record the error."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from service.automation.feeds import add_feed, fetch_one
from service.models import Announcement, ApprovalState, Feed
from service.rendering.markdown import render_markdown
from service.settings import get_settings
from tests.support.feed_server import FeedState, feed_server, rss

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss version="2.0"><channel><item><title>&lol3;</title><guid>x</guid></item></channel></rss>"""


def _feed(session: Session, url: str, language: str | None = None) -> int:
    feed = add_feed(session, name="Partner news", url=url, language=language)
    session.commit()
    assert feed.id is not None
    return feed.id


def _drafts(session: Session) -> list[Announcement]:
    session.expire_all()
    return list(session.exec(select(Announcement).order_by(Announcement.id)))


def test_new_item_one_draft_then_304_nothing(session: Session) -> None:
    state = FeedState(
        body=rss(
            (
                "a-1",
                "Lung atlas release",
                "https://partner.example/a1",
                "<p>The <strong>new</strong> release.</p>",
            )
        )
    )
    with feed_server(state) as url:
        feed_id = _feed(session, url)
        assert fetch_one(feed_id=feed_id, settings=get_settings()) == 1
        assert fetch_one(feed_id=feed_id, settings=get_settings()) == 0  # 304
        state.etag, state.body = '"v2"', state.body  # changed validator, same item
        assert fetch_one(feed_id=feed_id, settings=get_settings()) == 0  # seen already
    (draft,) = _drafts(session)
    assert draft.approval == ApprovalState.DRAFT
    assert (draft.title_en, draft.cta_url) == ("Lung atlas release", "https://partner.example/a1")
    assert "**new**" in (draft.summary_en or "")
    assert state.requests[1]["If-None-Match"] == '"v1"'
    assert state.requests[1]["If-Modified-Since"] == "Tue, 01 Dec 2026 08:00:00 GMT"
    feed = session.get(Feed, feed_id)
    assert feed is not None and feed.last_status == "1 items" and feed.last_error is None


def test_language_is_detected_when_the_feed_does_not_say(session: Session) -> None:
    body = rss(
        (
            "d-1",
            "Neue Förderung für die Forschung",
            "https://partner.example/d",
            "<p>Die Stiftung fördert das Projekt und die Zusammenarbeit mit Chicago.</p>",
        ),
        language="",
    )
    with feed_server(FeedState(body=body)) as url:
        assert fetch_one(feed_id=_feed(session, url), settings=get_settings()) == 1
    (draft,) = _drafts(session)
    assert draft.title_de == "Neue Förderung für die Forschung" and draft.title_en is None


def test_hostile_items_are_sanitised(session: Session) -> None:
    body = rss(
        (
            "h-1",
            "<script>alert(1)</script>Hostile title",
            "javascript:alert(1)",
            '<script>steal()</script><p onclick="x()">Hi <a href="javascript:alert(2)">x</a>'
            ' <a href="https://ok.example/">ok</a></p><iframe src="https://evil"></iframe>',
        )
    )
    with feed_server(FeedState(body=body)) as url:
        assert fetch_one(feed_id=_feed(session, url), settings=get_settings()) == 1
    (draft,) = _drafts(session)
    stored = f"{draft.title_en} {draft.summary_en} {draft.cta_url}"
    for bad in ("script", "alert", "steal", "javascript", "onclick", "iframe", "evil"):
        assert bad not in stored
    assert draft.title_en == "Hostile title" and draft.cta_url is None
    assert 'href="https://ok.example/"' in render_markdown(draft.summary_en)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (BILLION_LAUGHS, "DTD"),
        (b"<rss><channel><item><title>unclosed", "not well-formed"),
        (b"<html><body>not a feed</body></html>", "not an RSS or Atom feed"),
        (
            b"<rss><channel>" + b"<item><title>x</title></item>" * 200_000 + b"</channel></rss>",
            "too large",
        ),
    ],
    ids=["billion-laughs", "malformed", "not-a-feed", "oversized"],
)
def test_bad_feeds_create_nothing_and_record_the_error(
    session: Session, body: bytes, expected: str
) -> None:
    with feed_server(FeedState(body=body)) as url:
        feed_id = _feed(session, url)
        assert fetch_one(feed_id=feed_id, settings=get_settings()) == 0
    assert _drafts(session) == []
    feed = session.get(Feed, feed_id)
    assert feed is not None and feed.last_status == "error" and expected in (feed.last_error or "")
    assert feed.error_count == 1


def test_server_errors_and_bad_urls(session: Session) -> None:
    with feed_server(FeedState(status=503)) as url:
        feed_id = _feed(session, url)
        assert fetch_one(feed_id=feed_id, settings=get_settings()) == 0
    feed = session.get(Feed, feed_id)
    assert feed is not None and "HTTP 503" in (feed.last_error or "")
    from service.errors import InvalidInput

    with pytest.raises(InvalidInput, match="http"):
        add_feed(session, name="x", url="file:///etc/passwd", language=None)
