"""The inbox pages over HTTP (the real app, in-process): who may open what, answers, refusals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from service.accounts.sessions import csrf_token_for, start_session
from service.accounts.users import create_user
from service.api.app import create_app
from service.inbox.answer_mail import queued
from service.models import InquiryMessage, WebSession
from tests.db.inbox_fixtures import InboxWorld
from tests.db.inbox_fixtures import inbox as inbox


def _client(inbox: InboxWorld, role: str, coordinator_id: int | None) -> tuple[TestClient, str]:
    """A client logged in as a new user of `role`; returns it and its CSRF token."""
    user = create_user(
        inbox.session,
        email=f"{role}{coordinator_id}@newsroom.example.org",
        display_name=f"{role} {coordinator_id}",
        role=role,
        password="a-long-password-123",
        coordinator_id=coordinator_id,
    )
    raw = start_session(inbox.session, user=user)
    row = inbox.session.exec(select(WebSession).where(WebSession.user_id == user.id)).one()
    inbox.session.commit()
    client = TestClient(create_app(), follow_redirects=False)
    client.cookies.set("newsroom_session", raw)
    return client, csrf_token_for(row.csrf_secret)


@pytest.fixture
def asked(inbox: InboxWorld) -> Iterator[int]:
    outcome = inbox.ask("Wie bewerbe ich mich für einen Forschungsaufenthalt?")
    assert outcome.inquiry_id is not None
    yield outcome.inquiry_id


def test_coordinator_sees_own_inquiry_and_another_is_refused(inbox: InboxWorld, asked: int) -> None:
    mine, _ = _client(inbox, "coordinator", inbox.stays.id)
    other, other_csrf = _client(inbox, "coordinator", inbox.chicago.id)
    listing = mine.get("/newsroom/inbox")
    assert listing.status_code == 200 and f"/newsroom/inbox/{asked}" in listing.text
    page = mine.get(f"/newsroom/inbox/{asked}")
    assert page.status_code == 200 and "Wie bewerbe ich mich" in page.text
    assert f"/newsroom/inbox/{asked}" not in other.get("/newsroom/inbox").text
    assert other.get(f"/newsroom/inbox/{asked}").status_code == 404
    assert other.get(f"/newsroom/inbox/{asked}/original").status_code == 404
    refused = other.post(
        f"/newsroom/inbox/{asked}/answer", data={"body": "Hallo", "csrf_token": other_csrf}
    )
    assert refused.status_code == 404 and queued(inbox.session) == []
    assert other.get("/newsroom/inbox/triage").status_code == 403


def test_original_is_served_sanitised_with_a_csp(inbox: InboxWorld, asked: int) -> None:
    mine, _ = _client(inbox, "coordinator", inbox.stays.id)
    frame = mine.get(f"/newsroom/inbox/{asked}/original")
    assert (
        frame.status_code == 200
        and "default-src 'none'" in frame.headers["content-security-policy"]
    )
    assert "<script" not in frame.text


def test_answer_without_csrf_or_with_injection_sends_nothing(inbox: InboxWorld, asked: int) -> None:
    mine, csrf = _client(inbox, "coordinator", inbox.stays.id)
    assert mine.post(f"/newsroom/inbox/{asked}/answer", data={"body": "Hallo"}).status_code == 403
    bad = mine.post(
        f"/newsroom/inbox/{asked}/answer",
        data={"body": "Hallo", "subject": "Re: x\r\nBcc: all@example.org", "csrf_token": csrf},
    )
    assert bad.status_code == 422 and "single line" in bad.text and "Hallo" in bad.text
    empty = mine.post(f"/newsroom/inbox/{asked}/answer", data={"body": " ", "csrf_token": csrf})
    assert empty.status_code == 422 and "the answer is empty" in empty.text
    assert (
        inbox.session.exec(select(InquiryMessage).where(InquiryMessage.kind == "answer")).all()
        == []
    )


def test_answer_note_close_reopen_reassign(inbox: InboxWorld, asked: int) -> None:
    mine, csrf = _client(inbox, "coordinator", inbox.stays.id)
    sent = mine.post(
        f"/newsroom/inbox/{asked}/answer",
        data={"body": "Über das Portal.", "csrf_token": csrf, "seen_entry_id": "0"},
    )
    assert sent.status_code == 303 and sent.headers["location"].endswith("done=sent")
    assert [e.body for e in queued(inbox.session)] == ["Über das Portal."]
    assert (
        mine.post(
            f"/newsroom/inbox/{asked}/note", data={"note": "intern", "csrf_token": csrf}
        ).status_code
        == 303
    )
    assert mine.get(f"/newsroom/inbox/{asked}/confirm/close").status_code == 200
    assert mine.post(f"/newsroom/inbox/{asked}/close", data={"csrf_token": csrf}).status_code == 303
    closed = mine.post(f"/newsroom/inbox/{asked}/answer", data={"body": "Noch", "csrf_token": csrf})
    assert closed.status_code == 422 and "closed" in closed.text
    assert (
        mine.post(f"/newsroom/inbox/{asked}/reopen", data={"csrf_token": csrf}).status_code == 303
    )
    no_note = mine.post(
        f"/newsroom/inbox/{asked}/reassign",
        data={"csrf_token": csrf, "coordinator_id": str(inbox.chicago.id)},
    )
    assert no_note.status_code == 422 and "note" in no_note.text
    moved = mine.post(
        f"/newsroom/inbox/{asked}/reassign",
        data={
            "csrf_token": csrf,
            "coordinator_id": str(inbox.chicago.id),
            "note": "Chicago weiß es",
        },
    )
    assert moved.status_code == 303
    assert mine.get(f"/newsroom/inbox/{asked}").status_code == 404  # no longer theirs


def test_triage_one_click_and_canned_admin(inbox: InboxWorld) -> None:
    triaged = inbox.ask("Wer organisiert das Sommerfest?", announcement=False)
    admin, csrf = _client(inbox, "admin", None)
    page = admin.get("/newsroom/inbox/triage")
    assert page.status_code == 200 and f"#{triaged.inquiry_id}" in page.text
    done = admin.post(
        f"/newsroom/inbox/{triaged.inquiry_id}/assign",
        data={"csrf_token": csrf, "announcement_id": str(inbox.announcement_id)},
    )
    assert done.status_code == 303
    assert inbox.inquiry(triaged.inquiry_id).coordinator_id == inbox.stays.id
    bad = admin.post(
        "/newsroom/canned-answers",
        data={"csrf_token": csrf, "name": "Frist", "language": "de", "body": "Hallo {{ email }}"},
    )
    assert (
        bad.status_code == 422
        and "unknown variable" in bad.text
        and "Hallo {{ email }}" in bad.text
    )
    ok = admin.post(
        "/newsroom/canned-answers",
        data={
            "csrf_token": csrf,
            "name": "Frist",
            "language": "de",
            "body": "Hallo {{ subscriber_name }}, die Frist ist der 1. Mai.",
        },
    )
    assert ok.status_code == 303
    coordinator, _ = _client(inbox, "coordinator", inbox.stays.id)
    assert coordinator.get("/newsroom/canned-answers").status_code == 403
    assert coordinator.get("/newsroom/absence").status_code == 200


def test_admin_sets_calendar_target_and_deputy(inbox: InboxWorld) -> None:
    admin, csrf = _client(inbox, "admin", None)
    assert admin.get("/newsroom/inbox-settings").status_code == 200
    url = f"/newsroom/inbox-settings/{inbox.stays.id}"
    bad = admin.post(url, data={"csrf_token": csrf, "calendar": "munich", "target_hours": "x"})
    assert bad.status_code == 422 and "business hours above 0" in bad.text
    self_deputy = admin.post(
        url, data={"csrf_token": csrf, "calendar": "munich", "deputy_id": str(inbox.stays.id)}
    )
    assert self_deputy.status_code == 422 and "another coordinator" in self_deputy.text
    ok = admin.post(
        url,
        data={
            "csrf_token": csrf,
            "calendar": "chicago",
            "target_hours": "8",
            "deputy_id": str(inbox.chicago.id),
        },
    )
    assert ok.status_code == 303
    inbox.session.expire_all()
    row = inbox.session.get(type(inbox.stays), inbox.stays.id)
    assert (row.calendar, row.response_target_hours, row.deputy_id) == (
        "chicago",
        8.0,
        inbox.chicago.id,
    )
    coordinator, _ = _client(inbox, "coordinator", inbox.stays.id)
    assert coordinator.get("/newsroom/inbox-settings").status_code == 403
    outcome = inbox.ask("Neue Frage mit kürzerer Frist")
    assert inbox.inquiry(outcome.inquiry_id).target_s == 8 * 3600
