"""A subscriber's reply becomes an inquiry (or continues one): routed, proposed, handed off."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.parser import BytesHeaderParser

from sqlmodel import Session, col, select

from service.addressing.mailbox_tokens import ReplyTarget
from service.domain.inquiry_states import InquiryAction, InquiryState, RoutingReason, next_state
from service.inbound.reading.classify import InboundVerdict
from service.inbound.reading.parse import POLICY, all_headers, body_text, parse_message
from service.inbox import sla, thread
from service.inbox.acknowledge import maybe_acknowledge
from service.inbox.notices import notice
from service.inbox.placement import assign
from service.inbox.proposals import propose
from service.inbox.routing import TopicRules, route_with_reason
from service.models import (
    Coordinator,
    InboundMessage,
    Inquiry,
    InquiryMessage,
    MessageKind,
    Subscriber,
)
from service.settings import get_settings


@dataclass
class Received:
    """What intake did: the action for the log, the inquiry, the mails to send after commit."""

    action: str
    inquiry_id: int | None
    outgoing: list[EmailMessage] = field(default_factory=list)


def receive(
    session: Session,
    *,
    row: InboundMessage,
    verdict: InboundVerdict,
    target: ReplyTarget | None,
    subscriber: Subscriber | None,
    topics: TopicRules,
    now: datetime,
) -> Received:
    """Continue the thread this replies to, else open, route and hand off a new inquiry."""
    earlier = _thread_of(session, row)
    if earlier is not None:
        return _follow_up(session, earlier, row, verdict, now)
    quoted = _quoted(row)
    ann, reason = route_with_reason(
        session, target=target, text=verdict.text or "", quoted=quoted, topics=topics
    )
    inquiry = _new(row, verdict, target, subscriber, ann.id if ann else None, now)
    inquiry.proposals = propose(
        session, text=verdict.text or "", quoted=quoted,
        campaign_id=inquiry.campaign_id, subscriber_id=inquiry.subscriber_id,
    )  # fmt: skip
    session.add(inquiry)
    session.flush()
    assert inquiry.id is not None
    _record_inbound(session, inquiry.id, row, verdict, subscriber, now)
    mails = assign(session, inquiry=inquiry, coordinator_id=ann.coordinator_id if ann else None,
                   reason=reason, now=now)  # fmt: skip
    mails += _acknowledgement(session, row, inquiry, now)
    action = "forwarded" if inquiry.coordinator_id else "triage"
    return Received(action, inquiry.id, mails)


def _new(
    row: InboundMessage,
    v: InboundVerdict,
    target: ReplyTarget | None,
    subscriber: Subscriber | None,
    announcement_id: int | None,
    now: datetime,
) -> Inquiry:
    """The inquiry row before routing."""
    return Inquiry(
        subscriber_id=subscriber.id if subscriber else None,
        campaign_id=target.campaign_id if target else None,
        announcement_id=announcement_id,
        text=v.text or "",
        language=subscriber.language if subscriber else "en",
        subject=v.subject[:500],
        subscriber_message_id=v.message_id,
        inbound_message_id=row.id,
        created_at=now,
    )


def _record_inbound(
    session: Session,
    inquiry_id: int,
    row: InboundMessage,
    v: InboundVerdict,
    subscriber: Subscriber | None,
    now: datetime,
) -> None:
    """The subscriber's message as the thread's entry."""
    who = (subscriber.name or subscriber.email) if subscriber else v.from_address
    thread.record(
        session, inquiry_id=inquiry_id, kind=MessageKind.INBOUND, body=v.text or "", now=now,
        author_label=who, subject=v.subject[:500], message_id=v.message_id,
        inbound_message_id=row.id, channel="email",
        language=subscriber.language if subscriber else "en",
    )  # fmt: skip


def _acknowledgement(
    session: Session, row: InboundMessage, inquiry: Inquiry, now: datetime
) -> list[EmailMessage]:
    """Acknowledge as for any inquiry: when the assignee (or, in triage, the setting) wants it."""
    assignee = session.get(Coordinator, inquiry.coordinator_id) if inquiry.coordinator_id else None
    intended = (
        session.get(Coordinator, inquiry.intended_coordinator_id)
        if inquiry.intended_coordinator_id
        else None
    )
    wanted = (
        any(c.send_acknowledgement for c in (assignee, intended) if c)
        if assignee
        else get_settings().triage_acknowledgement
    )
    if not wanted:
        return []
    # only the subscriber the reply token named, authenticated, gets one (issue 15, finding 10)
    subscriber = session.get(Subscriber, inquiry.subscriber_id) if inquiry.subscriber_id else None
    ack = maybe_acknowledge(
        session, msg=parse_message(row.raw), envelope_from=row.envelope_from,
        language=inquiry.language, now=now,
        answerer=assignee.name if assignee and intended else None,
        subscriber_email=subscriber.email if subscriber else None, raw=row.raw,
        client_ip=row.client_ip, client_helo=row.client_helo,
    )  # fmt: skip
    return [ack] if ack is not None else []


def _thread_of(session: Session, row: InboundMessage) -> Inquiry | None:
    """The unclosed inquiry whose answer this message replies to (In-Reply-To, References)."""
    try:
        msg = BytesHeaderParser(policy=POLICY).parsebytes(row.raw)
    except Exception:
        return None
    ids = [v for h in ("In-Reply-To", "References") for v in " ".join(all_headers(msg, h)).split()]
    if not ids:
        return None
    answer = session.exec(
        select(InquiryMessage)
        .where(
            col(InquiryMessage.message_id).in_(ids[:50]), InquiryMessage.kind == MessageKind.ANSWER
        )
        .order_by(col(InquiryMessage.id).desc())
    ).first()
    inquiry = session.get(Inquiry, answer.inquiry_id) if answer else None
    if inquiry is None or inquiry.state == InquiryState.CLOSED:
        return None
    return inquiry


def _follow_up(
    session: Session, inquiry: Inquiry, row: InboundMessage, v: InboundVerdict, now: datetime
) -> Received:
    """The subscriber answered us: the thread goes on and our clock runs again."""
    assert inquiry.id is not None
    subscriber = session.get(Subscriber, inquiry.subscriber_id) if inquiry.subscriber_id else None
    _record_inbound(session, inquiry.id, row, v, subscriber, now)
    calendar = sla.calendar_of(session, inquiry)
    if inquiry.state == InquiryState.ANSWERED:
        inquiry.clock_used_s = 0.0  # a new question in the thread gets a full target
    inquiry.state = next_state(inquiry.state, InquiryAction.SUBSCRIBER_REPLIED)
    sla.follow_state(inquiry, calendar, now)
    inquiry.routed_by, inquiry.version = RoutingReason.THREAD, inquiry.version + 1
    session.add(inquiry)
    who = session.get(Coordinator, inquiry.coordinator_id) if inquiry.coordinator_id else None
    mails = (
        [notice(inquiry=inquiry, to=who, subject="The subscriber replied", body=v.text or "")]
        if who
        else []
    )
    return Received("follow-up", inquiry.id, mails)


def _quoted(row: InboundMessage) -> str:
    """The full body including quoted history: where the announcement a reply is about shows."""
    try:
        return body_text(parse_message(row.raw))
    except Exception:
        return ""
