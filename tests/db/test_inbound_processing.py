"""process_inbound on SQLite and PostgreSQL: suppression, scoring, alerts, routing, answers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from service.domain.addresses import email_hash, normalise_email
from service.inbound.acting import effects
from service.inbound.acting.processing import process_inbound
from service.models import (
    BounceScore,
    InboundMessage,
    Inquiry,
    SenderAlert,
    Subscriber,
    Suppression,
)
from service.settings import get_settings
from tests.db.inbound_fixtures import (
    BOUNCE_DOMAIN,
    REPLY_DOMAIN,
    TestTokenDecoder,
    delivered,
    dsn,
    reply,
    store,
    world,
)

DECODER = TestTokenDecoder()


def _run(session: Session, raw: bytes, to: list[str]):
    outcome = process_inbound(session, message_id=store(session, raw, to=to), decoder=DECODER)
    session.commit()
    return outcome


def _suppressed(session: Session, email: str) -> bool:
    digest = email_hash(normalise_email(email), get_settings().secret_bytes)
    return (
        session.exec(select(Suppression).where(Suppression.email_hash == digest)).first()
        is not None
    )


def test_F2_hard_bounce_suppresses_and_blocklists(session: Session) -> None:
    sub, *_ = world(session)
    delivered(session, sub)
    verp = f"bounces+c1s{sub.id}@{BOUNCE_DOMAIN}"
    outcome = _run(session, dsn(sub.email, "5.1.1", "550 5.1.1 User unknown", verp), [verp])
    assert outcome.action == "suppressed"
    assert session.get(Subscriber, sub.id).status == "blocklisted"
    assert _suppressed(session, sub.email)


@pytest.mark.parametrize(
    "reply_line",
    [
        "550 5.7.26 Unauthenticated email is not accepted",
        "550 5.7.515 Access denied, sending domain does not meet requirements",
    ],
)
def test_A8_policy_rejection_alerts_and_leaves_subscriber(
    session: Session, reply_line: str
) -> None:
    sub, *_ = world(session)
    delivered(session, sub, campaign_id=7)
    verp = f"bounces+c7s{sub.id}@{BOUNCE_DOMAIN}"
    outcome = _run(session, dsn(sub.email, reply_line.split()[1], reply_line, verp), [verp])
    assert outcome.action == "alert"
    assert session.get(Subscriber, sub.id).status == "confirmed"
    assert session.get(BounceScore, sub.id) is None
    (alert,) = session.exec(select(SenderAlert)).all()
    assert (alert.campaign_id, alert.status_code) == (7, reply_line.split()[1])


def test_soft_bounce_scores_once_a_day(session: Session) -> None:
    sub, *_ = world(session)
    delivered(session, sub)
    verp = f"bounces+c1s{sub.id}@{BOUNCE_DOMAIN}"
    for _ in range(3):
        _run(session, dsn(sub.email, "4.2.2", "452 4.2.2 Mailbox full", verp), [verp])
    assert session.get(BounceScore, sub.id).score == 0.5
    assert session.get(Subscriber, sub.id).status == "confirmed"


@pytest.mark.parametrize("threshold", [5.0, 2.0])
def test_bounce_score_threshold_and_staleness(
    session: Session, threshold: float, monkeypatch
) -> None:
    monkeypatch.setattr(get_settings(), "bounce_score_threshold", threshold)
    sub, *_ = world(session)
    day = date(2026, 1, 1)
    assert effects.score_bounce(session, subscriber=sub, hard=False, today=day) == 0.5
    day += timedelta(days=8)  # stale: the score starts over
    assert effects.score_bounce(session, subscriber=sub, hard=False, today=day) == 0.5
    for _ in range(int(threshold / 0.5)):
        day += timedelta(days=1)
        effects.score_bounce(session, subscriber=sub, hard=False, today=day)
    session.commit()
    assert session.get(Subscriber, sub.id).status == "disabled"  # notices follow (F3)


def test_complaint_naming_only_an_address_is_recorded_not_acted_on(session: Session) -> None:
    sub, *_ = world(session)
    delivered(session, sub)
    raw = (
        "From: feedback@fbl.example\r\nTo: fbl@news.example\r\nSubject: FW: newsletter\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=feedback-report; boundary=F\r\n\r\n"
        "--F\r\nContent-Type: text/plain\r\n\r\nAn abuse report.\r\n"
        "--F\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\n"
        "User-Agent: FBL/1.0\r\n"
        f"Version: 1\r\nOriginal-Rcpt-To: {sub.email}\r\n\r\n--F--\r\n"
    ).encode()
    # no token, no Message-ID of ours, not a configured FBL: anyone could have written it
    assert _run(session, raw, ["fbl@news.example"]).action.startswith("unmatched")
    assert session.get(Subscriber, sub.id).status == "confirmed"
    assert not _suppressed(session, sub.email)


def test_autoreply_is_recorded_never_forwarded(session: Session) -> None:
    sub, *_ = world(session)
    to = f"reply+c1s{sub.id}a1@{REPLY_DOMAIN}"
    raw = reply(
        "Ich bin bis 3. März nicht im Büro.",
        to=to,
        subject="Abwesenheitsnotiz",
        Auto_Submitted="auto-replied",
    )
    outcome = _run(session, raw, [to])
    assert (outcome.kind, outcome.outgoing) == ("autoreply", [])
    assert session.exec(select(Inquiry)).all() == []


def test_unsubscribe_reply(session: Session) -> None:
    sub, *_ = world(session)
    to = f"reply+c1s{sub.id}@{REPLY_DOMAIN}"
    assert _run(session, reply("Bitte austragen", to=to), [to]).action == "unsubscribed"
    assert session.get(Subscriber, sub.id).status == "unsubscribed"


def test_inquiry_handoff_and_answer_relay(session: Session, monkeypatch) -> None:
    sub, stays, _, ann = world(session)
    to = f"reply+c1s{sub.id}a{ann.id}@{REPLY_DOMAIN}"
    question = reply("Wie bewerbe ich mich?\n\n-- \nAda", to=to, Message_ID="<q1@uni.example>")
    outcome = _run(session, question, [to])
    (handoff,) = outcome.outgoing
    inquiry = session.get(Inquiry, outcome.inquiry_id)
    assert (inquiry.state, inquiry.coordinator_id, inquiry.text) == (
        "forwarded",
        stays.id,
        "Wie bewerbe ich mich?",
    )
    assert handoff["To"].addresses[0].addr_spec == stays.email
    assert handoff.get_body(("plain",)).get_content().startswith("Wie bewerbe ich mich?")
    answer_to = handoff["Reply-To"].addresses[0].addr_spec
    coordinator_reply = reply(
        "Über das Portal, Frist ist der 1. Mai.\n\n"
        "On Mon, 2 Mar 2026 at 10:00, Newsdesk <news@x.example> wrote:\n> old",
        to=answer_to,
        Authentication_Results="mx.test; dmarc=pass header.from=partner.example",
    ).replace(b"From: Ada <ada@uni.example>", f"From: {stays.email}".encode())
    monkeypatch.setattr(get_settings(), "trusted_authserv_ids", ["mx.test"])  # our MTA checked it
    stored = store(session, coordinator_reply, to=[answer_to], envelope_from=stays.email)
    relayed = process_inbound(session, message_id=stored, decoder=DECODER)
    session.commit()
    (mail,) = relayed.outgoing
    assert mail["To"].addresses[0].addr_spec == sub.email
    assert (mail["In-Reply-To"], mail["References"]) == ("<q1@uni.example>", "<q1@uni.example>")
    assert mail.get_content().strip() == "Über das Portal, Frist ist der 1. Mai."
    assert session.get(Inquiry, inquiry.id).state == "answered"


def test_forged_answer_token_is_not_relayed(session: Session) -> None:
    sub, *_ = world(session)
    to = f"answer+1.aaaaaaaaaaaaaaaa@{REPLY_DOMAIN}"
    outcome = _run(session, reply("spoofed answer", to=to), [to])
    assert outcome.kind != "answer" and all(m["To"] != sub.email for m in outcome.outgoing)


def test_edition_reply_routes_by_quoted_title_then_triage(session: Session, monkeypatch) -> None:
    sub, stays, triage, _ = world(session)
    monkeypatch.setattr(get_settings(), "triage_coordinator_id", triage.id)
    to = f"reply+c1s{sub.id}@{REPLY_DOMAIN}"
    quoted = (
        "Gibt es noch Plätze?\n\nAm 1.3.2026 schrieb News <news@x.example>:\n"
        "> Forschungsaufenthalte in Chicago\n"
    )
    first = _run(session, reply(quoted, to=to), [to])
    assert session.get(Inquiry, first.inquiry_id).coordinator_id == stays.id
    # from the subscriber the token names, checked by our MTA: what an acknowledgement needs
    monkeypatch.setattr(get_settings(), "trusted_authserv_ids", ["mx.test"])
    results = {"Authentication_Results": "mx.test; dmarc=pass header.from=uni.example"}
    raw = reply("Wer organisiert das Sommerfest?", to=to, **results)
    other = process_inbound(
        session, message_id=store(session, raw, to=[to], envelope_from=sub.email), decoder=DECODER
    )
    session.commit()
    placed = session.get(Inquiry, other.inquiry_id)
    # In triage (nobody's inbox), its owner notified, the subscriber acknowledged (C3 rules)
    assert (other.action, placed.coordinator_id, placed.routed_by) == ("triage", None, "triage")
    handoff, ack = other.outgoing
    assert handoff["To"].addresses[0].addr_spec == triage.email
    assert ack["To"] == sub.email and ack["Auto-Submitted"] == "auto-replied"


def test_unreadable_message_is_quarantined_and_kept(session: Session) -> None:
    world(session)
    outcome = _run(session, b"   \r\n", [f"reply+x@{REPLY_DOMAIN}"])
    row = session.exec(select(InboundMessage)).one()
    assert (outcome.action, row.status, row.raw) == ("quarantined", "quarantined", b"   \r\n")
    assert row.quarantine_reason == "empty message"


def test_acknowledgement_when_coordinator_wants_one(session: Session, monkeypatch) -> None:
    sub, stays, _, ann = world(session)
    stays.send_acknowledgement = True
    session.add(stays)
    session.commit()
    to = f"reply+c1s{sub.id}a{ann.id}@{REPLY_DOMAIN}"
    monkeypatch.setattr(get_settings(), "trusted_authserv_ids", ["mx.test"])
    results = {"Authentication_Results": "mx.test; dmarc=pass header.from=uni.example"}

    def ask(text: str):
        raw = reply(text, to=to, **results)
        outcome = process_inbound(
            session,
            message_id=store(session, raw, to=[to], envelope_from=sub.email),
            decoder=DECODER,
        )
        session.commit()
        return outcome

    first, second = ask("Frage 1"), ask("Frage 2")
    assert [m["Auto-Submitted"] for m in first.outgoing] == ["auto-generated", "auto-replied"]
    assert [m["Auto-Submitted"] for m in second.outgoing] == ["auto-generated"]


def test_handoff_attaches_original_and_topic_rules_route(session: Session, monkeypatch) -> None:
    sub, stays, _, ann = world(session)
    ann.topic = "stays"
    session.add(ann)
    session.commit()
    monkeypatch.setattr(get_settings(), "inbound_topic_rules", {"stays": ["forschungsaufenthalt"]})
    to = f"reply+c1s{sub.id}@{REPLY_DOMAIN}"
    question = reply(
        "Gibt es 2027 wieder einen Forschungsaufenthalt?", to=to, Message_ID="<q1@uni.example>"
    )
    outcome = _run(session, question, [to])
    assert session.get(Inquiry, outcome.inquiry_id).coordinator_id == stays.id
    (attachment,) = list(outcome.outgoing[0].iter_attachments())
    assert attachment.get_content_type() == "message/rfc822"
    assert attachment.get_content()["Message-ID"] == "<q1@uni.example>"


def test_apple_opt_out_unsubscribes_rather_than_blocklists(session: Session) -> None:
    sub, *_ = world(session)
    delivered(session, sub)
    to = f"reply+c1s{sub.id}@{REPLY_DOMAIN}"
    raw = reply("unsubscribe", to=to, subject="unsubscribe", X_Apple_Unsubscribe="true")
    assert _run(session, raw, [to]).kind == "complaint"
    assert session.get(Subscriber, sub.id).status == "unsubscribed"
    assert _suppressed(session, sub.email)


def test_reminders_for_unanswered_inquiries(session: Session) -> None:
    from datetime import UTC

    from service.inbound.acting.reminders import due_reminders

    sub, stays, _, ann = world(session)
    to = f"reply+c1s{sub.id}a{ann.id}@{REPLY_DOMAIN}"
    outcome = _run(session, reply("Noch offen?", to=to), [to])
    inquiry = session.get(Inquiry, outcome.inquiry_id)
    start = inquiry.forwarded_at.replace(tzinfo=inquiry.forwarded_at.tzinfo or UTC)
    assert due_reminders(session, now=start + timedelta(days=1)) == []
    (nudge,) = due_reminders(session, now=start + timedelta(days=4))
    session.commit()
    assert nudge["To"].addresses[0].addr_spec == stays.email
    assert nudge["In-Reply-To"] == inquiry.handoff_message_id
    assert due_reminders(session, now=start + timedelta(days=5)) == []
    assert len(due_reminders(session, now=start + timedelta(days=8))) == 1
