"""Automation pages over HTTP: editors create schedules, series and feeds; viewers only read;
a POST without the CSRF token changes nothing; a feed's error shows on its page."""

from __future__ import annotations

import re

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.addressing.tokens import codec
from service.api.app import create_app
from service.audience.doi_mail import epoch_day
from service.audience.subscribe import confirm
from service.automation import triggers, welcome
from service.domain.addresses import email_hash
from service.models import (
    Campaign,
    Delivery,
    DigestSchedule,
    Edition,
    Feed,
    Subscriber,
    User,
    WelcomeSeries,
    WelcomeStep,
)
from service.models._common import utcnow
from service.settings import get_settings
from tests.support.audience import hold_lists
from tests.support.automation_data import ensure_segments
from tests.support.feed_server import FeedState, feed_server
from tests.web.newsroom_client import person

DIGEST = {
    "name": "Weekly digest",
    "cadence": "weekly",
    "weekday": "2",
    "hour": "9",
    "day_of_month": "1",
    "timezone": "Europe/Berlin",
    "list_slug": "newsletter",
    "segments": "everyone",
    "subject_en": "Digest {date}",
    "subject_de": "Digest {date}",
}


def test_editor_creates_a_digest_and_sees_its_next_run(session: Session) -> None:
    ensure_segments(session)
    session.commit()
    editor = person(session, "editor")
    response = editor.post("/newsroom/automation/digests", DIGEST)
    assert response.status_code == 303, response.text
    page = editor.client.get("/newsroom/automation/digests")
    assert page.status_code == 200
    assert "Weekly digest" in page.text and "Weekly on Wednesday at 9:00" in page.text
    assert 'class="next-run"' in page.text and "Not run yet." in page.text
    bad = editor.post("/newsroom/automation/digests", {**DIGEST, "segments": "nope"})
    assert bad.status_code == 422 and "Unknown segment(s): nope." in bad.text
    bad_zone = editor.post("/newsroom/automation/digests", {**DIGEST, "timezone": "Mars/Base"})
    assert bad_zone.status_code == 422 and "Mars/Base" in bad_zone.text
    assert len(session.exec(select(DigestSchedule)).all()) == 1


def test_viewer_reads_but_cannot_change_and_csrf_is_required(session: Session) -> None:
    ensure_segments(session)
    session.commit()
    viewer, editor = person(session, "viewer"), person(session, "editor")
    assert viewer.client.get("/newsroom/automation/feeds").status_code == 200
    assert viewer.post("/newsroom/automation/digests", DIGEST).status_code == 403
    no_token = editor.client.post("/newsroom/automation/digests", data=DIGEST)
    assert no_token.status_code == 403
    coordinator = person(session, "coordinator")
    assert coordinator.client.get("/newsroom/automation/digests").status_code == 403
    assert session.exec(select(DigestSchedule)).all() == []


def test_welcome_series_editor_and_timeline(session: Session) -> None:
    editor = person(session, "editor")
    assert (
        editor.post(
            "/newsroom/automation/welcome",
            {"name": "Welcome", "list_slug": "newsletter", "language": "en"},
        ).status_code
        == 303
    )
    series = session.exec(select(WelcomeSeries)).one()
    for position, hours, subject in (("1", "0", "Welcome aboard"), ("2", "72", "Whom to ask")):
        response = editor.post(
            f"/newsroom/automation/welcome/{series.id}/steps",
            {
                "position": position,
                "delay_hours": hours,
                "subject": subject,
                "body": "Hello from {{ list_name }}.",
            },
        )
        assert response.status_code == 303, response.text
    broken = editor.post(
        f"/newsroom/automation/welcome/{series.id}/steps",
        {"position": "3", "delay_hours": "1", "subject": "x", "body": "{{ secret_key }}"},
    )
    assert broken.status_code == 422
    page = editor.client.get("/newsroom/automation/welcome").text
    assert page.index("Welcome aboard") < page.index("Whom to ask")
    assert "at once" in page and "72 h after confirmation" in page
    assert len(session.exec(select(WelcomeStep)).all()) == 2


def test_feed_error_shows_on_the_feed_page(session: Session) -> None:
    editor = person(session, "editor")
    with feed_server(FeedState(body=b"<rss><channel><item>broken")) as url:
        assert (
            editor.post(
                "/newsroom/automation/feeds",
                {"name": "Partner", "url": url, "language": "", "topic": "general"},
            ).status_code
            == 303
        )
        feed = session.exec(select(Feed)).one()
        assert editor.post(f"/newsroom/automation/feeds/{feed.id}/fetch", {}).status_code == 303
    page = editor.client.get("/newsroom/automation/feeds").text
    assert "feed-error" in page and "not well-formed XML" in page
    refused = editor.post("/newsroom/automation/feeds", {"name": "x", "url": "javascript:alert(1)"})
    assert refused.status_code == 422 and "http" in refused.text


def test_service_errors_show_in_german_in_the_german_ui(session: Session) -> None:
    ensure_segments(session)
    session.commit()
    editor = person(session, "editor")
    user = session.get(User, editor.id)
    assert user is not None
    user.language = "de"  # the profile's language decides the UI
    session.add(user)
    session.commit()
    no_segment = editor.post("/newsroom/automation/digests", {**DIGEST, "segments": ""})
    assert no_segment.status_code == 422
    assert "Ein Digest braucht mindestens ein Zielsegment." in no_segment.text
    bad_hour = editor.post("/newsroom/automation/digests", {**DIGEST, "hour": "25"})
    assert bad_hour.status_code == 422 and "Stunde: 0 bis 23." in bad_hour.text
    unknown = editor.post("/newsroom/automation/digests", {**DIGEST, "segments": "nope"})
    assert "Unbekannte Segmente: nope." in unknown.text
    nameless = editor.post(
        "/newsroom/automation/welcome", {"name": " ", "list_slug": "newsletter", "language": "de"}
    )
    assert nameless.status_code == 422
    assert "Eine Willkommensserie braucht einen Namen." in nameless.text
    assert (
        editor.post(
            "/newsroom/automation/welcome",
            {"name": "Willkommen", "list_slug": "newsletter", "language": "de"},
        ).status_code
        == 303
    )
    series = session.exec(select(WelcomeSeries)).one()
    no_subject = editor.post(
        f"/newsroom/automation/welcome/{series.id}/steps",
        {"position": "1", "delay_hours": "0", "subject": "", "body": "Hallo"},
    )
    assert no_subject.status_code == 422
    assert "Ein Schritt braucht einen Betreff." in no_subject.text
    bad_url = editor.post("/newsroom/automation/feeds", {"name": "x", "url": "javascript:alert(1)"})
    assert bad_url.status_code == 422
    assert "Feed-URL: bitte eine vollständige http://- oder https://-Adresse." in bad_url.text
    assert "a digest needs" not in no_segment.text and "feed URL:" not in bad_url.text


def test_a_sent_step_is_edited_in_the_newsroom_for_later_recipients(session: Session) -> None:
    editor = person(session, "editor")
    editor.post(
        "/newsroom/automation/welcome",
        {"name": "Welcome", "list_slug": "newsletter", "language": "en"},
    )
    series = session.exec(select(WelcomeSeries)).one()
    step_url = f"/newsroom/automation/welcome/{series.id}/steps"
    first = {"position": "1", "delay_hours": "0", "subject": "Hi", "body": "Old text."}
    assert editor.post(step_url, first).status_code == 303
    row = Subscriber(email="early@x.org", email_hash=email_hash("early@x.org", b"k"))
    session.add(row)
    hold_lists(session, [row])  # consent is per list
    assert row.id is not None
    confirm(session, token=codec().confirm(row.id, epoch_day(utcnow())))
    session.commit()
    triggers.handle_pending(session, now=utcnow())
    welcome.queue_due_steps(session, now=utcnow(), settings=get_settings())
    session.execute(sa.update(Delivery).values(status="sent"))
    session.commit()
    page = editor.client.get("/newsroom/automation/welcome").text
    assert "Edit step 1" in page
    version = re.search(
        r'step-edit-form">\s*<input[^>]*>\s*<input type="hidden" name="version" '
        r'value="(\d+)"',
        page,
    )
    assert version is not None
    edit = {**first, "subject": "Hello again", "body": "New text.", "version": version[1]}
    assert editor.post(step_url, edit).status_code == 303, editor.post(step_url, edit).text
    stale = editor.post(step_url, {**edit, "subject": "Lost"})  # the same, now old, version
    assert stale.status_code == 422 and "Someone else changed this meanwhile" in stale.text
    session.expire_all()
    assert session.exec(select(WelcomeStep)).one().subject == "Hello again"
    editions = {e.key: e for e in session.exec(select(Edition))}
    assert "Old text." in editions["en:0"].html and "New text." in editions["en:0@1"].html
    assert session.exec(select(Delivery)).one().edition_key == "en:0"
    assert "Hello again" in editor.client.get("/newsroom/automation/welcome").text


def _welcome_step_campaign(session: Session) -> int:
    """A series with one step whose campaign has been started (it stays in `sending`)."""
    from service.automation import admin

    series = admin.save_series(session, name="Welcome", list_slug="newsletter", language="en")
    assert series.id is not None
    admin.save_step(
        session, series_id=series.id, position=1, delay_minutes=0, subject="Hi", body=""
    )
    welcome.queue_due_steps(session, now=utcnow(), settings=get_settings())
    session.commit()
    step = session.exec(select(WelcomeStep)).one()
    assert step.campaign_id is not None
    return step.campaign_id


def test_welcome_step_campaigns_are_listed_as_automations(session: Session) -> None:
    campaign_id = _welcome_step_campaign(session)
    assert session.get(Campaign, campaign_id).status == "sending"  # type: ignore[union-attr]
    editor = person(session, "editor")
    page = editor.client.get("/newsroom/campaigns").text
    row = page[page.index(f'data-campaign="{campaign_id}"') :].split("</tr>")[0]
    assert "automation · welcome step" in row and "state-sending" not in row
    with TestClient(create_app()) as api:
        listed = api.get("/api/campaigns")
    assert listed.status_code == 200, listed.text
    (entry,) = [c for c in listed.json() if c["id"] == campaign_id]
    assert entry["label"] == "automation · welcome step" and entry["status"] == "sending"
    assert entry["cadence"] == "series" and entry["name"] == "Welcome: step 1"
