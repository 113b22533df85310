"""Signup and preference centre feed the segments: configured fields, checked, stored as attributes.

Driven through the real app (`create_app`) over HTTP with a real SMTP capture for the
confirmation mail; the segment count is the one the campaign fan-out uses.
"""

from __future__ import annotations

import re
from email.message import EmailMessage

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.api.app import create_app
from service.audience.segments import segment_count
from service.demo.content import SEGMENTS
from service.models import ConsentEvent, Subscriber
from tests.db.smtp_capture import Capture, capture_smtp

smtp = capture_smtp
EARLY_CAREER = next(s["rule"] for s in SEGMENTS if s["slug"] == "early-career")
CLINICIANS = next(s["rule"] for s in SEGMENTS if s["slug"] == "clinicians")


def _confirm_link(msg: EmailMessage) -> str:
    body = msg.get_body(("plain",))
    assert body is not None
    found = re.search(r"/confirm/(\S+)", body.get_content())
    assert found
    return f"/confirm/{found.group(1)}"


def _signup(client: TestClient, **fields: str | list[str]) -> TestClient:
    data = {"email": "ecr@example.org", "language": "en", "lists": ["newsletter"]}
    response = client.post("/subscribe", data={**data, "consent": "yes", **fields})
    assert response.status_code == 200, response.text
    return client


def test_early_career_signup_lands_in_the_segment(session: Session, smtp: Capture) -> None:
    """The public form's "early-career researcher" choice puts the reader in that segment."""
    client = TestClient(create_app())
    form = client.get("/subscribe?lang=en")
    assert 'name="career_stage"' in form.text and "Early-career researcher: postdoc" in form.text
    assert 'name="institution"' in form.text and 'name="topics" value="ai-ml"' in form.text
    assert segment_count(session, rule=EARLY_CAREER) == 0
    _signup(client, career_stage="postdoc", role="both", institution="LMU", topics=["ai-ml"])
    assert segment_count(session, rule=EARLY_CAREER) == 0  # unconfirmed
    assert client.post(_confirm_link(smtp.messages[0][2])).status_code == 200
    session.expire_all()
    sub = session.exec(select(Subscriber)).one()
    assert sub.attributes == {
        "career_stage": "postdoc", "role": "both", "institution": "LMU", "topics": ["ai-ml"]
    }  # fmt: skip
    assert segment_count(session, rule=EARLY_CAREER) == 1
    assert segment_count(session, rule=CLINICIANS) == 1
    signup = session.exec(select(ConsentEvent).where(ConsentEvent.event == "signup")).one()
    assert signup.detail["privacy_notice_version"] == "2026-11"
    assert signup.detail["profile"]["career_stage"] == "postdoc"


def test_unknown_choice_and_oversize_text_are_refused(session: Session, smtp: Capture) -> None:
    """A tampered choice, an unknown topic or an oversize institution: 422, nothing stored."""
    client = TestClient(create_app())
    for fields, message in (
        ({"career_stage": "emperor"}, "Career stage: please choose one of the options offered."),
        ({"institution": "x" * 121}, "Institution: please use at most 120 characters."),
        ({"topics": ["astrology"]}, "Topics: please choose from the topics offered."),
    ):
        data = {"email": "t@example.org", "lists": ["newsletter"], "consent": "yes", **fields}
        response = client.post("/subscribe", data=data)
        assert response.status_code == 422 and message in response.text
        assert 'value="t@example.org"' in response.text  # nothing typed is lost
    german = client.post(
        "/subscribe",
        data={"email": "t@example.org", "lists": ["newsletter"], "consent": "yes",
              "language": "de", "career_stage": "emperor"},
    )  # fmt: skip
    assert "Karrierestufe: Bitte wählen Sie eine der angebotenen Möglichkeiten." in german.text
    assert session.exec(select(Subscriber)).first() is None and not smtp.messages


def test_preference_centre_changes_the_segment(session: Session, smtp: Capture) -> None:
    """A reader who becomes a PI in the preference centre leaves the early-career segment."""
    client = _signup(TestClient(create_app()), career_stage="phd")
    confirmed = client.post(_confirm_link(smtp.messages[0][2]))
    prefs_url = re.search(r'href="(/p/[^"]+)"', confirmed.text)
    assert prefs_url
    page = client.get(prefs_url.group(1))
    assert '<option value="phd" selected>' in page.text
    assert segment_count(session, rule=EARLY_CAREER) == 1
    bad = client.post(prefs_url.group(1), data={"lists": ["newsletter"], "role": "pirate"})
    assert bad.status_code == 422 and "Work: please choose one of the options offered." in bad.text
    saved = client.post(
        prefs_url.group(1),
        data={"lists": ["newsletter"], "language": "en", "career_stage": "pi", "topics": ["lung"]},
    )
    assert saved.status_code == 200
    session.expire_all()
    assert segment_count(session, rule=EARLY_CAREER) == 0
    assert segment_count(session, rule={"attr": "career_stage", "eq": "pi"}) == 1
    change = session.exec(
        select(ConsentEvent).where(ConsentEvent.event == "preference_change")
    ).one()
    assert change.detail["career_stage"] == ["phd", "pi"]
