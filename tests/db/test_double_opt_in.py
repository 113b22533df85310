"""Double opt-in through the public form, with a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from service.audience.segments import segment_count
from service.audience.subscribe import ConfirmationExpired, confirm, purge_unconfirmed, subscribe
from service.models import ConsentEvent, ListSubscription, Subscriber
from service.models._common import utcnow
from tests.db.public_helpers import ledger_count, make_client
from tests.db.smtp_capture import Capture, capture_smtp

smtp = capture_smtp  # the fixture, under the name the tests ask for


def _link(msg: EmailMessage) -> str:
    body = msg.get_body(("plain",))
    assert body is not None
    found = re.search(r"/confirm/(\S+)", body.get_content())
    assert found
    return f"/confirm/{found.group(1)}"


def test_D1_D2_form_signup_sends_only_a_confirmation_request(
    session: Session, smtp: Capture
) -> None:
    """POST /subscribe: unconfirmed row, ledger proof, one auto-generated mail with the link."""
    client = make_client()
    form = client.get("/subscribe?lang=de")
    assert form.status_code == 200 and "Ja, ich möchte" in form.text
    response = client.post(
        "/subscribe",
        data={"email": "Neu@Example.ORG", "language": "de", "lists": ["ecr"], "consent": "yes"},
    )
    assert response.status_code == 200 and "Postfach" in response.text
    sub = session.exec(select(Subscriber)).one()
    assert (sub.email, sub.status, sub.language) == ("neu@example.org", "unconfirmed", "de")
    assert session.get(ListSubscription, (sub.id, "newsletter")) is None  # no consent: no row
    signup = session.exec(select(ConsentEvent)).one()
    assert signup.event == "signup" and signup.ip == "testclient"
    assert signup.source.endswith("/subscribe") and signup.consent_version == "2026-11"
    assert signup.consent_text.startswith("Ja, ich möchte") and signup.doi_sent_at is not None
    [(mail_from, rcpts, msg)] = smtp.messages
    assert rcpts == ["neu@example.org"] and mail_from.startswith("bounces@")
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["List-Unsubscribe"] is None and msg["Message-ID"]
    assert "bestätigen" in msg["Subject"]
    assert segment_count(session, rule={"all": []}) == 0  # unconfirmed never receive campaigns


def test_confirmation_is_a_button_then_single_use(session: Session, smtp: Capture) -> None:
    """GET shows a button (scanners), POST confirms once, a second POST changes nothing."""
    client = make_client()
    client.post("/subscribe", data={"email": "c@x.org", "lists": ["newsletter"], "consent": "yes"})
    link = _link(smtp.messages[0][2])
    page = client.get(link)
    assert page.status_code == 200 and 'method="post"' in page.text
    session.expire_all()
    assert session.exec(select(Subscriber)).one().status == "unconfirmed"
    assert client.post(link).status_code == 200
    session.expire_all()
    sub = session.exec(select(Subscriber)).one()
    assert sub.status == "confirmed" and sub.confirmed_at is not None
    kinds = [e.event for e in session.exec(select(ConsentEvent).order_by(ConsentEvent.id))]
    assert kinds == ["signup", "confirm"]
    again = client.post(link)
    assert again.status_code == 200 and "already" in again.text
    assert ledger_count(session) == 2
    assert segment_count(session, rule={"all": []}) == 1


def test_signup_errors_are_clear_and_enumeration_free(session: Session, smtp: Capture) -> None:
    """Missing consent or a bad address: 422 with the reason; known addresses look the same."""
    client = make_client()
    no_consent = client.post("/subscribe", data={"email": "a@x.org", "lists": ["ecr"]})
    assert no_consent.status_code == 422 and "agree" in no_consent.text
    bad = client.post(
        "/subscribe", data={"email": "not-an-address", "lists": ["ecr"], "consent": "yes"}
    )
    assert bad.status_code == 422 and "Please enter a valid email address." in bad.text
    first = client.post("/subscribe", data={"email": "k@x.org", "lists": ["ecr"], "consent": "yes"})
    client.post(_link(smtp.messages[0][2]))
    second = client.post(
        "/subscribe", data={"email": "k@x.org", "lists": ["ecr"], "consent": "yes"}
    )
    assert first.text == second.text
    assert len(smtp.messages) == 1  # no new mail to a confirmed subscriber


def test_confirmation_link_expires(session: Session) -> None:
    """A link older than doi_expiry_days (7) is refused, the row stays unconfirmed."""
    then = utcnow() - timedelta(days=8)
    outcome = subscribe(session, email="late@x.org", source="test", now=then)
    session.commit()
    assert outcome.message is not None
    link = _link(outcome.message)
    token = link.rsplit("/", 1)[1]
    with pytest.raises(ConfirmationExpired):
        confirm(session, token=token)
    session.rollback()
    response = make_client().post(link)
    assert response.status_code == 410
    ok = subscribe(session, email="late@x.org", source="test", now=then + timedelta(days=7))
    assert confirm(
        session, token=_link(ok.message).rsplit("/", 1)[1], now=then + timedelta(days=7)
    )[1]


def test_purge_removes_old_unconfirmed_rows_and_their_ledger(session: Session) -> None:
    """Unconfirmed rows older than the purge period go, with their signup rows; others stay."""
    old = utcnow() - timedelta(days=40)
    subscribe(session, email="stale@x.org", source="test", now=old)
    session.execute(sa.update(Subscriber).values(created_at=old))
    subscribe(session, email="fresh@x.org", source="test")
    session.commit()
    assert purge_unconfirmed(session) == 1
    session.commit()
    assert [s.email for s in session.exec(select(Subscriber))] == ["fresh@x.org"]
    assert ledger_count(session) == 1


def test_signups_are_throttled_per_client_and_per_mailbox(
    session: Session, smtp: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A network gets a few signups an hour; a mailbox a few confirmation mails a day."""
    from service.audience.throttle import signup_throttle
    from service.settings import reset_settings

    monkeypatch.setenv("NEWSDESK_SIGNUP_PER_IP_PER_HOUR", "3")
    monkeypatch.setenv("NEWSDESK_CONFIRMATIONS_PER_ADDRESS_PER_DAY", "1")
    reset_settings()
    signup_throttle.cache_clear()
    client = make_client()
    form = {"language": "en", "consent": "yes", "lists": ["ecr"]}
    first = client.post("/subscribe", data={**form, "email": "victim@example.org"})
    again = client.post("/subscribe", data={**form, "email": "Victim@Example.org"})
    assert first.status_code == again.status_code == 200
    assert first.text.count("check your inbox") == again.text.count("check your inbox") == 1
    assert len(smtp.messages) == 1  # the second request reads the same but sends nothing
    other = client.post("/subscribe", data={**form, "email": "other@example.org"})
    assert other.status_code == 200 and len(smtp.messages) == 2
    refused = client.post("/subscribe", data={**form, "email": "fourth@example.org"})
    assert refused.status_code == 429 and "Too many signups" in refused.text
    assert (
        session.exec(select(Subscriber).where(Subscriber.email == "fourth@example.org")).first()
        is None
    )


def test_D2_every_ledger_event_carries_the_privacy_notice_version(
    session: Session, smtp: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signup, confirmation and a later withdrawal each record the notice in force then."""
    from service.audience.withdrawal import leave_list
    from service.models import WithdrawalChannel
    from service.settings import get_settings

    client = make_client()
    client.post("/subscribe", data={"email": "p@x.org", "lists": ["ecr"], "consent": "yes"})
    assert client.post(_link(smtp.messages[0][2])).status_code == 200
    monkeypatch.setattr(get_settings(), "privacy_notice_version", "2027-03")
    session.expire_all()
    sub = session.exec(select(Subscriber)).one()
    leave_list(
        session, subscriber=sub, list_slug="ecr", channel=WithdrawalChannel.LINK, ip=None,
        source="test",
    )  # fmt: skip
    session.commit()
    rows = session.exec(select(ConsentEvent).order_by(ConsentEvent.id)).all()
    assert [(r.event, r.privacy_notice_version) for r in rows] == [
        ("signup", "2026-11"),
        ("confirm", "2026-11"),
        ("withdrawal", "2027-03"),
    ]
