"""Inbox pages over HTTP: German event lines, htmx canned answers, announcement targets."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from lxml import html as lhtml
from sqlmodel import select

from service.accounts.sessions import csrf_token_for, start_session
from service.accounts.users import create_user
from service.api.app import create_app
from service.inbox import canned
from service.models import InquiryMessage, MessageKind, WebSession
from tests.db.inbox_fixtures import InboxWorld
from tests.db.inbox_fixtures import inbox as inbox


def _client(
    inbox: InboxWorld, role: str, coordinator_id: int | None, language: str = "en"
) -> tuple[TestClient, str]:
    """A client logged in as a new user of `role` speaking `language`; and its CSRF token."""
    user = create_user(
        inbox.session, email=f"{role}{coordinator_id}{language}@newsroom.example.org",
        display_name=f"{role} {coordinator_id}", role=role, password="a-long-password-123",
        coordinator_id=coordinator_id, language=language,
    )  # fmt: skip
    raw = start_session(inbox.session, user=user)
    row = inbox.session.exec(select(WebSession).where(WebSession.user_id == user.id)).one()
    inbox.session.commit()
    client = TestClient(create_app(), follow_redirects=False)
    client.cookies.set("newsroom_session", raw)
    return client, csrf_token_for(row.csrf_secret)


def _event_lines(html: str) -> list[str]:
    """The texts of the event entries of a thread page."""
    tree = lhtml.fromstring(html)
    return [e.text_content().strip() for e in tree.cssselect(".entry-event .entry-body")]


def test_german_user_reads_event_lines_in_german(inbox: InboxWorld) -> None:
    asked = inbox.ask("Wie bewerbe ich mich?").inquiry_id
    assert asked is not None
    de, csrf = _client(inbox, "coordinator", inbox.stays.id, "de")
    assert de.post(f"/newsroom/inbox/{asked}/close", data={"csrf_token": csrf}).status_code == 303
    assert de.post(f"/newsroom/inbox/{asked}/reopen", data={"csrf_token": csrf}).status_code == 303
    legacy = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # rows written before this change stay readable
    for text in ("Warning: 2.5 business hours left", "Something the service said once"):
        inbox.session.add(InquiryMessage(inquiry_id=asked, kind=MessageKind.EVENT, body=text,
                                         created_at=legacy))  # fmt: skip
    inbox.session.commit()
    lines = _event_lines(de.get(f"/newsroom/inbox/{asked}").text)
    assert "Warnung: noch 2,5 Arbeitsstunden" in lines
    assert "Zugewiesen an Research stays (Antwortadresse der Meldung)" in lines
    assert "Geschlossen" in lines and "Wieder geöffnet" in lines
    assert "Something the service said once" in lines  # unknown shape: shown as stored
    joined = " ".join(lines)
    assert not any(w in joined for w in ("Assigned to", "Closed", "Reopened", "Warning"))
    en, _ = _client(inbox, "admin", None, "en")
    english = _event_lines(en.get(f"/newsroom/inbox/{asked}").text)
    assert "Closed" in english and "Warning: 2.5 business hours left" in english


def test_canned_answer_is_appended_to_what_was_typed(inbox: InboxWorld) -> None:
    asked = inbox.ask("Wann ist die Frist?").inquiry_id
    saved = canned.save(inbox.session, name="Frist", language="de",
                        body="Hallo {{ subscriber_name }}, die Frist ist der 1. Mai.")  # fmt: skip
    inbox.session.commit()
    mine, _ = _client(inbox, "coordinator", inbox.stays.id, "de")
    url = f"/newsroom/inbox/{asked}/canned"
    part = mine.get(url, params={"canned_id": saved.id, "body": "Vorab: danke!", "language": "en"},
                    headers={"HX-Request": "true"})  # fmt: skip
    assert part.status_code == 200 and "<html" not in part.text
    tree = lhtml.fromstring(f"<div>{part.text}</div>")
    value = tree.cssselect("#answer-text textarea#body")[0].text_content()
    assert value.startswith("Vorab: danke!\n\nHallo ") and value.endswith(
        "die Frist ist der 1. Mai."
    )
    lang = tree.cssselect("select#language")[0]
    assert (
        lang.get("hx-swap-oob") == "true"
        and lang.cssselect("option[selected]")[0].get("value") == "de"
    )
    untouched = mine.get(url, params={"canned_id": 0, "body": "Nur das"}).text
    assert "Nur das" in untouched
    other, _ = _client(inbox, "coordinator", inbox.chicago.id)
    assert other.get(url, params={"canned_id": saved.id}).status_code == 404
    no_js = mine.get(f"/newsroom/inbox/{asked}", params={"canned_id": saved.id})
    assert no_js.status_code == 200 and "die Frist ist der 1. Mai." in no_js.text


def test_admin_sets_an_announcement_target_that_its_inquiries_get(inbox: InboxWorld) -> None:
    admin, csrf = _client(inbox, "admin", None)
    page = admin.get("/newsroom/inbox-settings")
    assert (
        page.status_code == 200
        and f"inbox-settings/announcement/{inbox.announcement_id}" in page.text
    )
    url = f"/newsroom/inbox-settings/announcement/{inbox.announcement_id}"
    for bad in ("x", "0", "-3", "1000"):
        refused = admin.post(url, data={"csrf_token": csrf, "target_hours": bad})
        assert refused.status_code == 422 and "business hours above 0" in refused.text
    assert admin.post(url, data={"csrf_token": "nope", "target_hours": "4"}).status_code == 403
    missing = "/newsroom/inbox-settings/announcement/999999"
    assert admin.post(missing, data={"csrf_token": csrf, "target_hours": "4"}).status_code == 422
    assert admin.post(url, data={"csrf_token": csrf, "target_hours": "4,5"}).status_code == 303
    outcome = inbox.ask("Frage zur Meldung mit eigener Frist")
    assert inbox.inquiry(outcome.inquiry_id).target_s == int(4.5 * 3600)
    assert admin.post(url, data={"csrf_token": csrf, "target_hours": ""}).status_code == 303
    later = inbox.ask("Noch eine Frage, jetzt ohne eigene Frist")
    assert inbox.inquiry(later.inquiry_id).target_s == 16 * 3600
    coordinator, ccsrf = _client(inbox, "coordinator", inbox.stays.id)
    assert coordinator.post(url, data={"csrf_token": ccsrf, "target_hours": "1"}).status_code == 403
