"""Replies, answers, bounces and complaints are part of a subscriber's export and erasure (D6, D7).

The mail arrives the way it does in production: over SMTP at the real inbound receiver
(aiosmtpd on loopback), stored, then processed by the `newsdesk.process_inbound` task body (the
hand-off and the relayed answer go to a capturing SMTP server). Export and erasure go through
the real app's admin API with the admin token. The erasure check greps a database dump: pg_dump
on PostgreSQL (bytea in escape form, so stored mail is readable text), every column of every
table on SQLite.
"""

from __future__ import annotations

import smtplib
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, select

from service.addressing.subaddresses import reply_address, verp_address
from service.addressing.tokens import codec
from service.api.app import create_app
from service.audience import ledger
from service.audience.gdpr import personal_edges
from service.inbound.intake.smtp_receiver import InboundHandler, make_controller
from service.inbound.intake.store import expire_raw
from service.models import (
    Announcement,
    Campaign,
    ComplaintEvent,
    ConsentEventKind,
    Coordinator,
    Delivery,
    DeliveryStatus,
    InboundMessage,
    Inquiry,
    InquiryMessage,
    Subscriber,
    Suppression,
    TrackingEvent,
)
from service.models._common import utcnow
from service.settings import get_settings, reset_settings
from tests.db.public_helpers import add_subscriber
from tests.db.smtp_capture import Capture, capture_smtp
from tests.integration.smtp_servers import free_port
from workers.tasks.inbound import process_inbound_message

smtp = capture_smtp  # the fixture, under the name the tests ask for
ADDRESS = "Erika.Mustermann@Example.org"
STORED = ADDRESS.lower()
ADMIN_TOKEN = "gdpr-test-admin-token-0123456789"
AUTHSERV = "mx.partnership.example.org"
COORDINATOR = "stays@partner.example"


@pytest.fixture
def receiver(smtp: Capture, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, list[int]]]:
    """The real inbound SMTP receiver on loopback; stored ids are collected, not enqueued."""
    monkeypatch.setenv("NEWSDESK_ADMIN_TOKEN", ADMIN_TOKEN)
    monkeypatch.setenv("NEWSDESK_TRUSTED_AUTHSERV_IDS", f'["{AUTHSERV}"]')
    reset_settings()
    stored: list[int] = []
    port = free_port()
    controller = make_controller(
        handler=InboundHandler(after_stored=stored.append), hostname="127.0.0.1", port=port
    )
    controller.start()
    try:
        yield port, stored
    finally:
        controller.stop()


def _world(session: Session) -> tuple[Subscriber, Campaign, Announcement, Delivery]:
    """Erika, a sent campaign with one announcement and her delivery."""
    sub = add_subscriber(session, STORED, language="de")
    coordinator = Coordinator(name="Research stays", email=COORDINATOR)
    session.add(coordinator)
    session.flush()
    ann = Announcement(
        slug="research-stays",
        title_en="Research stays in Chicago",
        title_de="Forschungsaufenthalte in Chicago",
        coordinator_id=coordinator.id,
    )
    campaign = Campaign(name="December", subject_en="News", subject_de="Neues", status="sent")
    session.add_all([ann, campaign])
    session.flush()
    assert campaign.id is not None and sub.id is not None
    delivery = Delivery(
        campaign_id=campaign.id,
        subscriber_id=sub.id,
        edition_key="de",
        status=DeliveryStatus.SENT,
        message_id=f"<c{campaign.id}s{sub.id}@news.partnership.example.org>",
        sent_at=utcnow(),
    )
    session.add(delivery)
    session.add(
        TrackingEvent(campaign_id=campaign.id, subscriber_id=sub.id, kind="click", ip="203.0.113.7")
    )
    ledger.record(
        session, subscriber_id=sub.id, event=ConsentEventKind.SIGNUP, source="form",
        ip="203.0.113.7", consent_text="Ja", consent_version="2026-11",
    )  # fmt: skip
    session.commit()
    return sub, campaign, ann, delivery


def _send(port: int, raw: bytes, *, mail_from: str, rcpt: str) -> None:
    with smtplib.SMTP("127.0.0.1", port) as client:
        assert client.sendmail(mail_from, [rcpt], raw) == {}


def _process(stored: list[int]) -> list[dict[str, str]]:
    """Run the processing task's body for every message stored so far (as the worker would)."""
    done = [process_inbound_message.run(i) for i in stored]
    stored.clear()
    return done


def _reply(to: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Erika Mustermann <{ADDRESS}>"
    msg["To"] = to
    msg["Subject"] = "Re: Neues"
    msg["Message-ID"] = make_msgid(domain="example.org")
    msg.set_content(
        f"Wie bewerbe ich mich für den Forschungsaufenthalt?\n\nErika ({ADDRESS.upper()})\n"
    )
    return msg.as_bytes()


def _answer(handoff: EmailMessage) -> bytes:
    msg = EmailMessage()
    msg["Authentication-Results"] = f"{AUTHSERV}; dmarc=pass header.from=partner.example"
    msg["From"] = f"Research stays <{COORDINATOR}>"
    msg["To"] = str(handoff["Reply-To"])
    msg["Subject"] = "Re: " + str(handoff["Subject"])
    msg["Message-ID"] = make_msgid(domain="partner.example")
    msg["In-Reply-To"] = str(handoff["Message-ID"])
    msg.set_content(f"Liebe Frau Mustermann, bis März bewerben.\n\n> {ADDRESS} schrieb: ...\n")
    return msg.as_bytes()


def _arf(verp: str, delivery: Delivery) -> bytes:
    original = f"Return-Path: <{verp}>\r\nMessage-ID: {delivery.message_id}\r\nTo: {ADDRESS}\r\n"
    return (
        "From: feedback@fbl.example\r\nTo: fbl@news.example\r\nSubject: FW: Neues\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=feedback-report; boundary=F\r\n\r\n"
        "--F\r\nContent-Type: text/plain\r\n\r\nAn abuse report.\r\n"
        "--F\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\n"
        f"User-Agent: FBL/1.0\r\nVersion: 1\r\nOriginal-Rcpt-To: {ADDRESS}\r\n\r\n"
        f"--F\r\nContent-Type: text/rfc822-headers\r\n\r\n{original}\r\n--F--\r\n"
    ).encode()


def _inbound_history(
    session: Session, smtp: Capture, receiver: tuple[int, list[int]]
) -> tuple[Subscriber, Campaign]:
    """Erika replies, the coordinator answers by mail, her provider sends a complaint."""
    port, stored = receiver
    sub, campaign, ann, delivery = _world(session)
    assert sub.id is not None and campaign.id is not None and ann.id is not None
    settings = get_settings()
    reply_to = reply_address(codec().reply(campaign.id, sub.id, ann.id), settings.reply_domain)
    _send(port, _reply(reply_to), mail_from=ADDRESS, rcpt=reply_to)
    assert [r["kind"] for r in _process(stored)] == ["inquiry"]
    handoffs = [m for _, rcpts, m in smtp.messages if rcpts == [COORDINATOR]]
    assert handoffs, "the reply was handed off to the coordinator"
    answer_to = str(handoffs[0]["Reply-To"])
    _send(port, _answer(handoffs[0]), mail_from=COORDINATOR, rcpt=answer_to)
    assert [r["kind"] for r in _process(stored)] == ["answer"]
    verp = verp_address(codec().verp(campaign.id, sub.id), settings.bounce_domain)
    _send(port, _arf(verp, delivery), mail_from="feedback@fbl.example", rcpt=verp)
    assert _process(stored) == [{"kind": "complaint", "action": "suppressed"}]
    session.expire_all()
    return sub, campaign


def _api() -> TestClient:
    return TestClient(create_app(), headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})


def test_D6_export_holds_inbound_mail_inquiries_complaints_and_ledger(
    session: Session, smtp: Capture, receiver: tuple[int, list[int]]
) -> None:
    """Every row tied to her (walked over the schema's foreign keys) is in the API export."""
    sub, _ = _inbound_history(session, smtp, receiver)
    with _api() as client:
        response = client.get(f"/api/audience/subscribers/{sub.id}/export")
    assert response.status_code == 200
    tables = response.json()["tables"]
    mails = tables["inboundmessage"]
    assert len(mails) == 3 and {m["subscriber_id"] for m in mails} == {sub.id}
    assert all("raw" not in m and m["raw_bytes"] > 0 for m in mails)  # metadata, not the bytes
    assert tables["inquiry"][0]["text"].startswith("Wie bewerbe ich mich")
    assert {m["kind"] for m in tables["inquirymessage"]} >= {"inbound", "answer"}
    assert tables["complaintevent"][0]["feedback_type"] == "abuse"
    assert len(tables["deliveryfeedback"]) == 1 and len(tables["delivery"]) == 1
    assert tables["consent_event"][0]["privacy_notice_version"] == "2026-11"
    assert tables["tracking_event"][0]["kind"] == "click"
    assert tables["suppression"][0]["reason"] == "complaint"
    # every row with a foreign-key path to her is exported: walk the schema, not a list
    found: dict[str, list[dict[str, object]]] = {"subscriber": [{"id": sub.id}]}
    for edge in personal_edges():
        parents = found.get(edge.parent.name, [])
        keys = sorted({r[edge.referred.name] for r in parents} - {None})  # type: ignore[type-var]
        if keys:
            stmt = sa.select(edge.child).where(edge.column.in_(keys))
            found.setdefault(edge.child.name, []).extend(
                dict(r._mapping) for r in session.execute(stmt)
            )
    assert {"inboundmessage", "inquiry", "inquirymessage", "complaintevent"} <= set(found)
    for table, rows in found.items():
        pk = [c.name for c in SQLModel.metadata.tables[table].primary_key]
        exported = {tuple(r[c] for c in pk) for r in tables.get(table, [])}
        assert {tuple(r[c] for c in pk) for r in rows} <= exported, table


def test_D7_erasure_leaves_no_trace_of_the_address_in_a_database_dump(
    session: Session, smtp: Capture, receiver: tuple[int, list[int]]
) -> None:
    """After real inbound mail, erasure through the API: the dump has no case variant of her."""
    sub, campaign = _inbound_history(session, smtp, receiver)
    key = sub.email_hash
    before = _dump(session)
    assert f"Original-Rcpt-To: {ADDRESS}" in before  # the dump shows stored mail's bytes too
    with _api() as client:
        response = client.post(f"/api/audience/subscribers/{sub.id}/erase")
    assert response.status_code == 200, response.text
    deleted = response.json()["deleted"]
    assert deleted["inboundmessage"] == 3 and deleted["inquiry"] == 1
    session.expire_all()
    dump = _dump(session)
    for variant in (ADDRESS, STORED, ADDRESS.upper(), ADDRESS.swapcase()):
        assert variant not in dump
    assert "mustermann" not in dump.lower()
    assert session.exec(select(InboundMessage)).all() == []
    assert (
        session.exec(select(Inquiry)).all() == []
        and session.exec(select(InquiryMessage)).all() == []
    )
    (complaint,) = session.exec(select(ComplaintEvent)).all()  # still counts for the rate
    assert (complaint.campaign_id, complaint.subscriber_id, complaint.inbound_message_id) == (
        campaign.id,
        None,
        None,
    )
    # only the keyed hash remains (here with the complaint's reason, which erasure keeps)
    (kept,) = session.exec(select(Suppression)).all()
    assert kept.email_hash == key and kept.reason in {"complaint", "erased"}
    assert session.exec(select(Subscriber)).all() == []


def _dump(session: Session) -> str:
    """The whole database as text: pg_dump (bytea escaped), or every value of every table."""
    url = make_url(str(session.get_bind().url))
    if url.get_backend_name() == "postgresql":
        return subprocess.run(
            ["pg_dump", "--data-only", "--schema=public", "-h", url.host or "127.0.0.1",
             "-p", str(url.port or 5432), "-U", url.username or "postgres", url.database or ""],
            capture_output=True, text=True, check=True, timeout=120,
            env={"PGOPTIONS": "-c bytea_output=escape", "PATH": "/usr/bin:/bin"},
        ).stdout  # fmt: skip
    assert url.database
    parts = []
    with sqlite3.connect(url.database) as conn:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type='table'")]
        for table in tables:
            for row in conn.execute(f'select * from "{table}"'):
                parts += [v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in row]
    return "\n".join(parts)


def test_D5_raw_mail_expires_after_the_retention_period(
    session: Session, smtp: Capture, receiver: tuple[int, list[int]]
) -> None:
    """The daily upkeep clears stored bytes of handled mail past the setting; metadata stays."""
    from workers.tasks.maintenance import daily_upkeep

    _inbound_history(session, smtp, receiver)
    days = get_settings().inbound_raw_retention_days
    rows = session.exec(select(InboundMessage).order_by(InboundMessage.id)).all()
    old = utcnow() - timedelta(days=days + 1)
    for row in rows[:2]:
        row.received_at = old
        session.add(row)
    session.commit()
    result = daily_upkeep.run()
    assert result["inbound_raw_expired"] == 2
    session.expire_all()
    rows = session.exec(select(InboundMessage).order_by(InboundMessage.id)).all()
    assert [(r.raw == b"", r.raw_expired_at is not None) for r in rows] == [
        (True, True),
        (True, True),
        (False, False),
    ]
    assert all(r.verdict and r.status == "processed" for r in rows[:2])
    assert STORED.encode() not in rows[0].raw and rows[0].envelope_from == ""
    assert expire_raw(session) == 0  # once
