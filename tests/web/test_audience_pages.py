"""Audience pages over HTTP: search with keyset pages, subscriber page, GDPR export and erasure
behind a confirmation, the segment builder's live count, the suppression list, refusals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from service.demo.seed import seed
from service.models import Segment, Subscriber, Suppression
from service.settings import get_settings
from tests.web.newsroom_client import person


@pytest.fixture
def demo(session: Session) -> Iterator[Session]:
    seed(session, secret=get_settings().secret_bytes, subscribers=120)
    session.commit()
    yield session


def test_search_pages_through_everyone_once(demo: Session) -> None:
    editor = person(demo, "editor")
    seen: list[str] = []
    url = "/newsroom/audience/subscribers?email=&status=confirmed"
    for _ in range(10):
        page = editor.client.get(url)
        assert page.status_code == 200
        seen += [chunk.split('"')[0] for chunk in page.text.split('data-subscriber="')[1:]]
        if 'rel="next"' not in page.text:
            break
        url = page.text.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    confirmed = demo.exec(select(Subscriber.id).where(Subscriber.status == "confirmed")).all()
    assert sorted(map(int, seen)) == sorted(confirmed) and len(seen) == len(set(seen))


def test_bad_search_is_explained(demo: Session) -> None:
    editor = person(demo, "editor")
    page = editor.client.get("/newsroom/audience/subscribers?email=ab&email_mode=contains")
    assert page.status_code == 200 and "needs at least 3 characters" in page.text


def test_subscriber_page_export_and_erase(demo: Session) -> None:
    admin, editor = person(demo, "admin"), person(demo, "editor")
    sub = demo.exec(select(Subscriber).where(Subscriber.status == "confirmed")).first()
    assert sub is not None and sub.id is not None
    sub_id, email, email_hash = sub.id, sub.email, sub.email_hash
    page = editor.client.get(f"/newsroom/audience/subscribers/{sub.id}")
    assert page.status_code == 200 and sub.email in page.text and "Consent history" in page.text
    assert editor.client.get(f"/newsroom/audience/subscribers/{sub.id}/export").status_code == 403
    export = admin.client.get(f"/newsroom/audience/subscribers/{sub.id}/export")
    assert export.status_code == 200 and export.json()["subscriber_id"] == sub.id
    assert "attachment" in export.headers["content-disposition"]
    confirm = admin.client.get(f"/newsroom/audience/subscribers/{sub.id}/erase")
    assert "Yes, erase everything" in confirm.text
    assert editor.post(f"/newsroom/audience/subscribers/{sub.id}/erase", {}).status_code == 403
    assert admin.post(f"/newsroom/audience/subscribers/{sub.id}/erase", {}).status_code == 303
    demo.expunge_all()
    assert demo.get(Subscriber, sub_id) is None
    stored = demo.exec(select(Suppression).where(Suppression.email_hash == email_hash)).one()
    assert stored.reason == "erased" and email not in listing_text(admin)


def listing_text(admin: object) -> str:
    page = admin.client.get("/newsroom/audience/suppressions")  # type: ignore[attr-defined]
    assert page.status_code == 200 and "erased" in page.text
    return str(page.text)


def test_segment_builder_counts_live_and_saves(demo: Session) -> None:
    editor = person(demo, "editor")
    count = editor.client.get('/newsroom/audience/segments/count?rule={"language": "de"}')
    assert count.status_code == 200 and 'data-figure="count"' in count.text
    broken = editor.client.get("/newsroom/audience/segments/count?rule={nope")
    assert "Not valid JSON" in broken.text
    saved = editor.post(
        "/newsroom/audience/segments",
        {
            "do": "save",
            "slug": "german-lung",
            "name": "German lung",
            "rule": '{"all": [{"language": "de"}, {"topic": "lung"}]}',
        },
    )
    assert saved.status_code == 303
    assert demo.exec(select(Segment).where(Segment.slug == "german-lung")).first() is not None
    taken = editor.post(
        "/newsroom/audience/segments",
        {"do": "save", "slug": "german-lung", "name": "", "rule": "{}"},
    )
    assert taken.status_code == 422 and "already has this short name" in taken.text


def test_viewer_cannot_reach_the_audience(demo: Session) -> None:
    viewer = person(demo, "viewer")
    assert viewer.client.get("/newsroom/audience/subscribers").status_code == 403
    assert (
        viewer.post(
            "/newsroom/audience/segments", {"do": "save", "slug": "x", "name": "x", "rule": "{}"}
        ).status_code
        == 403
    )


def test_D2_subscriber_page_shows_consent_per_list(demo: Session) -> None:
    """Every configured list with the subscriber's consent: subscribed, left, or none at all."""
    from service.models import ListSubscription

    editor = person(demo, "editor")
    sub = demo.exec(select(Subscriber).where(Subscriber.status == "confirmed")).first()
    assert sub is not None and sub.id is not None
    for row in demo.exec(select(ListSubscription).where(ListSubscription.subscriber_id == sub.id)):
        demo.delete(row)
    demo.add(ListSubscription(subscriber_id=sub.id, list_slug="newsletter", active=False))
    demo.commit()
    page = editor.client.get(f"/newsroom/audience/subscribers/{sub.id}")
    assert page.status_code == 200
    assert 'data-list="newsletter" data-state="left"' in page.text
    assert 'data-list="ecr" data-state="none"' in page.text and "no consent" in page.text
