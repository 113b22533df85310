"""Inbound end to end: a demo campaign goes out, subscribers reply like real clients, over SMTP.

PostgreSQL + Redis + a real Celery worker (live_stack); replies reach the real inbound SMTP
receiver, which stores them and enqueues `newsdesk.process_inbound` on the broker; the worker
routes them and mails hand-offs to the SMTP capture; coordinators answer through the receiver.
"""

from __future__ import annotations

import email
import email.policy
import json
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

import pytest
from sqlmodel import select

from service.addressing.tokens import codec
from service.campaigns.authoring import schedule
from service.db import session_scope
from service.demo.capture import free_port
from service.demo.seed import seed
from service.inbound.intake.smtp_receiver import InboundHandler, make_controller
from service.models import (
    Announcement,
    Campaign,
    Coordinator,
    InboundMessage,
    Inquiry,
    ListSubscription,
    Subscriber,
    Suppression,
)
from service.settings import get_settings
from tests.integration import mail_clients as mc
from tests.integration.live_stack import LiveStack, live_stack, wait_for
from workers.celery_app import make_celery

TOPIC_RULES = {"exchange": ["forschungsaufenthalt", "research stay"]}
TRIAGE_ID = 1  # the first demo coordinator, the partnership office (the campaign's owner)


@dataclass
class Received:
    """One subscriber's copy of the newsletter, with what the test needs to reply to it."""

    subscriber: Subscriber
    newsletter: mc.Newsletter
    raw: bytes
    announcements: dict[str, str]  # slug -> that announcement's reply+ mailto address


def _enqueue(message_id: int) -> None:
    """The receiver's after_stored hook: publish the processing task to the live broker."""
    # Built now, not at import: the live stack chose the broker after this module was loaded.
    make_celery(get_settings()).send_task("newsdesk.process_inbound", args=[message_id])


@contextmanager
def _receiver() -> Iterator[int]:
    """The real inbound SMTP receiver on a free loopback port."""
    port = free_port()
    controller = make_controller(
        handler=InboundHandler(after_stored=_enqueue), hostname="127.0.0.1", port=port
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def _submit(port: int, raw: bytes, *, mail_from: str, rcpt: str) -> None:
    """Deliver one message to the receiver as an MTA would."""
    with smtplib.SMTP("127.0.0.1", port) as client:
        assert client.sendmail(mail_from, [rcpt], raw) == {}


def _received_copies(stack: LiveStack, campaign_id: int) -> list[Received]:
    """Every captured newsletter with its subscriber and per-announcement reply addresses."""
    with session_scope() as session:
        people = {s.email: s for s in session.exec(select(Subscriber))}
        slugs = {a.id: a.slug for a in session.exec(select(Announcement))}
        session.expunge_all()
    out = []
    for mail in list(stack.capture.captured):
        msg = email.message_from_bytes(mail.data, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        nl = mc.newsletter_from(mail.mail_from, msg)
        per_announcement = {}
        for address in nl.announcement_mailtos:
            ids = codec().decode_reply(address.split("+", 1)[1].split("@", 1)[0])
            assert ids is not None and ids.campaign_id == campaign_id
            per_announcement[slugs[ids.announcement_id]] = address
        out.append(Received(people[mail.rcpt_tos[0]], nl, mail.data, per_announcement))
    return out


def _pick(copies: list[Received], used: set[str], *, language: str, slug: str) -> Received:
    """A not yet used subscriber of that language whose edition carries that announcement."""
    for r in copies:
        fits = r.subscriber.language == language and slug in r.announcements
        if fits and r.subscriber.email not in used:
            used.add(r.subscriber.email)
            return r
    raise AssertionError(f"no {language} subscriber received {slug}")


def _section(plain: str, title: str) -> str:
    """One announcement's section of the plain part (from its heading to the next one)."""
    start = plain.index(f"## {title}")
    ends = [
        i for i in (plain.find("\n## ", start + 3), plain.find("\nYou receive", start)) if i > 0
    ]
    return plain[start : min(ends, default=len(plain))].strip()


@dataclass
class Reply:
    """A reply the test sent and where it must land."""

    who: Received
    raw: bytes
    rcpt: str
    question: str
    coordinator_email: str
    title: str


def _replies(copies: list[Received], titles: dict[str, tuple[str, str | None]]) -> list[Reply]:
    """The five human replies: three clients, a per-announcement mailto, a bare edition reply."""
    used: set[str] = set()
    emails = _coordinator_emails()
    de = _pick(copies, used, language="de", slug="research-stays")
    q_de = (
        "Guten Tag,\n\nich interessiere mich für einen Forschungsaufenthalt in Chicago. "
        "Muss der Forschungsplan auf Englisch eingereicht werden?"
    )
    sig_de = f"Mit freundlichen Grüßen\n{de.subscriber.name}\nHelmholtz Munich\nTel. +49 89 3187-0"
    gm = _pick(copies, used, language="en", slug="lung-conference-call")
    conf_title = titles["lung-conference-call"][0]
    q_gm = (
        "Hi,\n\nis there a registration fee for presenters, and can posters be hybrid?"
        "\n\nThanks,\nSam"
    )
    ap = _pick(copies, used, language="en", slug="lung-atlas-release")
    atlas_title = titles["lung-atlas-release"][0]
    q_ap = "Can people outside the partnership join the workshop remotely?"
    mt = _pick(copies, used, language="en", slug="seed-funding")
    q_mt = "I am a PhD student in Munich working on multimodal models. How can I join the project?"
    tr = _pick(copies, used, language="en", slug="mou-signed")
    q_tr = "Hello, please update my affiliation: I moved to the Chicago campus in October."
    return [
        Reply(
            de,
            mc.outlook_de_reply(
                de.newsletter, sender=de.subscriber.email, question=q_de, signature=sig_de
            ),
            de.newsletter.reply_to,
            q_de,
            emails["research-stays"],
            titles["research-stays"][0],  # the coordinator reads English
        ),
        Reply(
            gm,
            mc.gmail_en_reply(
                gm.newsletter,
                sender=gm.subscriber.email,
                question=q_gm,
                quoted=_section(gm.newsletter.plain, conf_title),
            ),
            gm.newsletter.reply_to,
            q_gm,
            emails["lung-conference-call"],
            conf_title,
        ),
        Reply(
            ap,
            mc.apple_mail_reply(
                ap.newsletter,
                sender=ap.subscriber.email,
                question=q_ap,
                quoted=_section(ap.newsletter.plain, atlas_title),
            ),
            ap.newsletter.reply_to,
            q_ap,
            emails["lung-atlas-release"],
            atlas_title,
        ),
        Reply(
            mt,
            mc.mailto_message(
                sender=mt.subscriber.email,
                to=mt.announcements["seed-funding"],
                subject="Question about: seed funding",
                question=q_mt,
                signature="Jonas Weber\nPhD student, Helmholtz Munich",
            ),
            mt.announcements["seed-funding"],
            q_mt,
            emails["seed-funding"],
            str(titles["seed-funding"][1]),  # the AI for Health office reads German
        ),
        Reply(
            tr,
            mc.mailto_message(
                sender=tr.subscriber.email,
                to=tr.newsletter.reply_to,
                subject=f"Re: {tr.newsletter.subject}",
                question=q_tr,
                signature=tr.subscriber.name or "",
            ),
            tr.newsletter.reply_to,
            q_tr,
            emails["__triage__"],
            "(edition)",
        ),
    ]


def _coordinator_emails() -> dict[str, str]:
    """Announcement slug -> its coordinator's address; `__triage__` -> the triage owner's."""
    with session_scope() as session:
        coordinators = {c.id: c.email for c in session.exec(select(Coordinator))}
        out = {a.slug: coordinators[a.coordinator_id] for a in session.exec(select(Announcement))}
    out["__triage__"] = coordinators[TRIAGE_ID]
    return out


def _list_slug(session, campaign_id: int) -> str:
    campaign = session.get(Campaign, campaign_id)
    assert campaign is not None
    return campaign.list_slug


def _all_processed() -> bool:
    with session_scope() as session:
        return all(m.status != "received" for m in session.exec(select(InboundMessage)))


def _parsed(stack: LiveStack, start: int) -> list[tuple[list[str], EmailMessage]]:
    """Messages captured after the newsletter, with their envelope recipients."""
    out = []
    for mail in list(stack.capture.captured)[start:]:
        msg = email.message_from_bytes(mail.data, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        out.append((mail.rcpt_tos, msg))
    return out


def _norm(text: str) -> str:
    return " ".join(text.split())


def _check_handoff(msg: EmailMessage, reply: Reply) -> None:
    """Reply text on top, the announcement named, the original attached."""
    body = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert _norm(body).startswith(_norm(reply.question)), body[:400]
    assert reply.title in body
    assert "Liebe Leserinnen und Leser" not in body and "Dear readers" not in body
    (attached,) = [p for p in msg.iter_attachments() if p.get_content_type() == "message/rfc822"]
    original = attached.get_content()
    sent = email.message_from_bytes(reply.raw, policy=email.policy.default)
    assert original["Message-ID"] == sent["Message-ID"]


def _answers_arrive(stack: LiveStack, port: int, replies: list[Reply], handoffs: dict) -> None:
    """Each coordinator answers its hand-off; the subscriber gets it threaded, from us."""
    start = len(stack.capture.captured)
    for reply in replies:
        handoff = handoffs[reply.coordinator_email]
        answer = mc.coordinator_answer(
            handoff,
            sender=reply.coordinator_email,
            answer=f"Answer for {reply.who.subscriber.name}",
        )
        _submit(port, answer, mail_from=reply.coordinator_email, rcpt=str(handoff["Reply-To"]))
    wanted = {r.who.subscriber.email for r in replies}

    def answered() -> list[tuple[list[str], EmailMessage]]:
        return [
            (to, m)
            for to, m in _parsed(stack, start)
            if to[0] in wanted and m["Auto-Submitted"] is None
        ]

    wait_for(lambda: len(answered()) >= len(replies), 60, "answers relayed to subscribers")
    settings = get_settings()
    by_rcpt = {to[0]: m for to, m in answered()}
    for reply in replies:
        msg = by_rcpt[reply.who.subscriber.email]
        sent = email.message_from_bytes(reply.raw, policy=email.policy.default)
        assert parseaddr(str(msg["From"]))[1] == settings.from_address
        assert msg["In-Reply-To"] == sent["Message-ID"]
        assert sent["Message-ID"] in str(msg["References"])
        body = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert _norm(body).startswith(f"Answer for {reply.who.subscriber.name}")
        assert "Original Message" not in body
    with session_scope() as session:
        states = [i.state for i in session.exec(select(Inquiry))]
    assert states == ["answered"] * len(replies), states


@pytest.mark.slow
def test_replies_reach_coordinators_and_answers_reach_subscribers(tmp_path: Path) -> None:
    from tests.conftest import postgres_url, redis_url

    env = {
        "NEWSDESK_TRIAGE_COORDINATOR_ID": str(TRIAGE_ID),
        "NEWSDESK_INBOUND_TOPIC_RULES": json.dumps(TOPIC_RULES),
    }
    with live_stack(
        tmp_path, database_url=postgres_url(), broker_url=redis_url(), extra_env=env
    ) as stack:
        with session_scope() as session:
            summary = seed(session, secret=get_settings().secret_bytes, subscribers=80)
            schedule(session, campaign_id=summary.campaign_id, send_at=None)
            titles = {a.slug: (a.title_en, a.title_de) for a in session.exec(select(Announcement))}
        campaign_id = summary.campaign_id

        def sent() -> bool:
            with session_scope() as session:
                return session.get(Campaign, campaign_id).status == "sent"  # type: ignore[union-attr]

        wait_for(sent, 90, "the campaign to be sent")
        copies = _received_copies(stack, campaign_id)
        newsletters = len(stack.capture.captured)
        replies = _replies(copies, titles)
        used = {r.who.subscriber.email for r in replies}
        away, gone, leaving = [c for c in copies if c.subscriber.email not in used][:3]
        with _receiver() as port:
            for reply in replies:
                _submit(port, reply.raw, mail_from=reply.who.subscriber.email, rcpt=reply.rcpt)
            ooo = mc.out_of_office_de(away.newsletter, sender=away.subscriber.email)
            _submit(port, ooo, mail_from="", rcpt=away.newsletter.reply_to)
            dsn = mc.dsn_user_unknown(
                gone.newsletter, recipient=gone.subscriber.email, original=gone.raw
            )
            _submit(port, dsn, mail_from="", rcpt=gone.newsletter.verp)
            unsub_to = leaving.newsletter.unsubscribe_mailto
            unsub = mc.mailto_message(
                sender=leaving.subscriber.email,
                to=unsub_to,
                subject="unsubscribe",
                question="",
                signature="",
            )
            _submit(port, unsub, mail_from=leaving.subscriber.email, rcpt=unsub_to)
            wait_for(_all_processed, 60, "every inbound message to be processed")
            coordinators = set(_coordinator_emails().values())
            wait_for(
                lambda: (
                    sum(to[0] in coordinators for to, _ in _parsed(stack, newsletters))
                    >= len(replies)
                ),
                30,
                "the hand-offs",
            )
            handoffs = {to[0]: m for to, m in _parsed(stack, newsletters) if to[0] in coordinators}
            assert len(handoffs) == len(replies), sorted(handoffs)
            for reply in replies:
                _check_handoff(handoffs[reply.coordinator_email], reply)
            _answers_arrive(stack, port, replies, handoffs)
        with session_scope() as session:
            verdicts = {
                m.envelope_to[0]: m.verdict["kind"]  # type: ignore[index]
                for m in session.exec(select(InboundMessage))
            }
            assert verdicts[away.newsletter.reply_to] == "autoreply"
            assert verdicts[gone.newsletter.verp] == "bounce"
            person = session.get(Subscriber, gone.subscriber.id)
            assert person is not None and person.status == "blocklisted"
            reasons = [s.reason for s in session.exec(select(Suppression))]
            assert "hard_bounce" in reasons, reasons
            membership = session.get(
                ListSubscription, (leaving.subscriber.id, _list_slug(session, campaign_id))
            )
            assert membership is not None and not membership.active  # left via the mailto
        coordinator_mail = [m for to, m in _parsed(stack, newsletters) if to[0] in coordinators]
        assert len(coordinator_mail) == len(replies)  # nothing from the OOO or the bounce
        automatic = {away.subscriber.email, gone.subscriber.email, leaving.subscriber.email}
        assert not [m for to, m in _parsed(stack, newsletters) if to[0] in automatic]
