"""Apply a stored inbound message's verdict: the plain function the Celery task calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage

from sqlmodel import Session

from service import webhooks
from service.addressing.mailbox_tokens import ReplyTarget, TokenDecoder, decode_answer_token
from service.addressing.subaddresses import ANSWER_TAG, tokens_in
from service.errors import NotFound
from service.inbound.acting import effects
from service.inbound.acting.dmarc import store_dmarc_report
from service.inbound.reading.classify import InboundVerdict, classify_message
from service.inbox.routing import TopicRules
from service.models import (
    InboundChannel,
    InboundMessage,
    InboundStatus,
    Subscriber,
)
from service.settings import get_settings


@dataclass
class Outcome:
    """What processing did, and the mails the caller must send after committing."""

    kind: str
    action: str
    outgoing: list[EmailMessage] = field(default_factory=list)
    inquiry_id: int | None = None


def process_inbound(
    session: Session, *, message_id: int, decoder: TokenDecoder, topics: TopicRules | None = None
) -> Outcome:
    """Classify the stored message and apply the verdict; adds and flushes, caller commits.

    Idempotent: the row is locked (the receiver's enqueue and the beat sweep may both deliver
    it) and a message processed before is not applied again, nor is a copy of one (same
    Message-ID to the same addresses) within the duplicate window.
    """
    from service.inbound.acting.idempotency import already_processed, duplicate_of, lock_message
    from service.inbound.acting.ownership import link_owner

    row = lock_message(session, message_id=message_id)
    if already_processed(row):
        kind = str((row.verdict or {}).get("kind", "unknown"))
        return Outcome(kind=kind, action=f"already done ({row.status})")
    # Only SMTP knows the envelope sender ("" = the null sender of bounces); elsewhere unknown.
    sender = row.envelope_from if row.channel == InboundChannel.SMTP else None
    verdict = _storable(
        classify_message(row.raw, envelope_to=row.envelope_to, envelope_from=sender)
    )
    row.verdict = verdict.to_dict()
    row.processed_at = effects.now()
    row.header_message_id = verdict.message_id.strip()[:500] or None
    original = duplicate_of(session, row=row)
    if original is not None:
        row.status = InboundStatus.DUPLICATE
        link_owner(session, row=row, verdict=verdict, decoder=decoder)
        session.add(row)
        session.flush()
        return Outcome(kind=verdict.kind, action=f"duplicate of inbound message {original}")
    if verdict.quarantined:
        row.status, row.quarantine_reason = InboundStatus.QUARANTINED, verdict.reason
        link_owner(session, row=row, verdict=verdict, decoder=decoder)
        session.add(row)
        session.flush()
        return Outcome(kind="unknown", action="quarantined")
    row.status = InboundStatus.PROCESSED
    session.add(row)
    rules = topics if topics is not None else get_settings().inbound_topic_rules
    outcome = _apply(session, row, verdict, decoder, rules)
    row.verdict = {**verdict.to_dict(), "action": outcome.action}  # what was done, for reports
    # whose mail it is, for export and erasure (issue 14, item 4)
    link_owner(session, row=row, verdict=verdict, decoder=decoder, inquiry_id=outcome.inquiry_id)
    session.add(row)
    session.flush()
    _emit_webhook(session, row, verdict, outcome)
    return outcome


WEBHOOK_EVENTS = {"bounce": "bounced", "complaint": "complained", "inquiry": "inquiry_received"}


def _emit_webhook(
    session: Session, row: InboundMessage, verdict: InboundVerdict, outcome: Outcome
) -> None:
    """Tell subscribed systems about bounces, complaints and routed inquiries."""
    event_type = WEBHOOK_EVENTS.get(outcome.kind)
    if (
        event_type is None
        or outcome.action == "recorded"
        or outcome.action.startswith(("unmatched", "already applied"))
    ):
        return
    event = {
        "inbound_message_id": row.id,
        "action": outcome.action,
        "bounce_type": verdict.bounce_type,
        "bounce_category": verdict.bounce_category,
        "status_code": verdict.status_code,
        "inquiry_id": outcome.inquiry_id,
    }
    webhooks.emit(session, event_type=event_type, events=[event])


def _storable(verdict: InboundVerdict) -> InboundVerdict:
    """NUL characters removed: PostgreSQL text and JSONB refuse them, and hostile or broken
    mail (a NUL-padded Japanese bounce in the corpus) carries them into subjects and texts."""
    for name, value in vars(verdict).items():
        if isinstance(value, str) and "\x00" in value:
            setattr(verdict, name, value.replace("\x00", ""))
        elif isinstance(value, list):
            setattr(
                verdict, name, [v.replace("\x00", "") if isinstance(v, str) else v for v in value]
            )
    return verdict


def quarantine_after_error(session: Session, *, message_id: int, error: Exception) -> None:
    """Park a message whose processing failed, with the reason; adds and flushes."""
    row = session.get(InboundMessage, message_id)
    if row is None:
        raise NotFound(f"inbound message {message_id} does not exist")
    row.status = InboundStatus.QUARANTINED
    row.quarantine_reason = f"processing error: {type(error).__name__}: {error}"[:2000]
    row.processed_at = effects.now()
    session.add(row)
    session.flush()


def _apply(
    session: Session,
    row: InboundMessage,
    v: InboundVerdict,
    decoder: TokenDecoder,
    topics: TopicRules,
) -> Outcome:
    """Dispatch on the verdict's kind."""
    answer = _answer_inquiry(session, row, v)
    if answer is not None:
        return answer
    mailto = _mailto_unsubscribe(session, v, decoder)
    if mailto is not None:
        return mailto
    if v.kind in {"bounce", "complaint"}:
        return _bounce_or_complaint(session, row, v, decoder)
    if v.kind == "dmarc_report":
        return Outcome(kind=v.kind, action=store_dmarc_report(session, row).action)
    target = _reply_target(v, decoder)
    subscriber = (
        session.get(Subscriber, target.subscriber_id) if target and target.subscriber_id else None
    )
    if v.kind == "unsubscribe" and subscriber is not None:
        effects.unsubscribe(session, subscriber=subscriber)
        return Outcome(kind=v.kind, action="unsubscribed")
    if v.kind == "inquiry":
        return _new_inquiry(session, row, v, target, subscriber, topics)
    if v.kind == "unknown" and target is not None and not v.is_automatic:
        # A person answered our mail but nothing of their own survived trimming (only quotes,
        # or an attachment): still a question for somebody, never left unrouted.
        return _new_inquiry(session, row, v, target, subscriber, topics)
    return Outcome(kind=v.kind, action="recorded")


def _mailto_unsubscribe(
    session: Session, v: InboundVerdict, decoder: TokenDecoder
) -> Outcome | None:
    """Mail to List-Unsubscribe's unsubscribe+TOKEN@ address: leave that list, whatever it says.

    Like the one-click URL (same token, same effect); automatic mail (an out-of-office or a
    bounce that reached the address) is no request and changes nothing.
    """
    from service.audience.withdrawal import unsubscribe_from_campaign
    from service.models.consent import WithdrawalChannel

    if not v.unsubscribe_tokens or v.is_automatic or v.kind in {"bounce", "complaint", "autoreply"}:
        return None
    ids = next((d for d in (decoder.unsubscribe(t) for t in v.unsubscribe_tokens) if d), None)
    subscriber = session.get(Subscriber, ids[0]) if ids else None
    if ids is None or subscriber is None:
        return Outcome(kind="unsubscribe", action="unmatched")
    unsubscribe_from_campaign(
        session, subscriber=subscriber, campaign_id=ids[1], channel=WithdrawalChannel.REPLY, ip=None
    )
    return Outcome(kind="unsubscribe", action="unsubscribed")


def _reply_target(v: InboundVerdict, decoder: TokenDecoder) -> ReplyTarget | None:
    """The first reply token that decodes."""
    return next((t for t in (decoder.reply(tok) for tok in v.reply_tokens) if t), None)


def _bounce_or_complaint(
    session: Session, row: InboundMessage, v: InboundVerdict, decoder: TokenDecoder
) -> Outcome:
    """Acted on only when it matches one of our deliveries, once per delivery (feedback.py)."""
    from service.inbound.acting.feedback import act_on_report

    return Outcome(kind=v.kind, action=act_on_report(session, row=row, verdict=v, decoder=decoder))


def _new_inquiry(
    session: Session,
    row: InboundMessage,
    v: InboundVerdict,
    target: ReplyTarget | None,
    subscriber: Subscriber | None,
    topics: TopicRules,
) -> Outcome:
    """Open (or continue) the inquiry, route it and build the hand-offs (service/inbox)."""
    from service.inbox.intake import receive

    got = receive(
        session, row=row, verdict=v, target=target, subscriber=subscriber, topics=topics,
        now=effects.now(),
    )  # fmt: skip
    return Outcome(kind=v.kind, action=got.action, outgoing=got.outgoing, inquiry_id=got.inquiry_id)


def _answer_inquiry(session: Session, row: InboundMessage, v: InboundVerdict) -> Outcome | None:
    """A coordinator's reply to a hand-off (answer+TOKEN@): relay it to the subscriber."""
    secret = get_settings().secret_bytes
    tokens = tokens_in([*list(row.envelope_to), v.from_address], ANSWER_TAG)
    if v.kind not in {"inquiry", "unknown", "unsubscribe"}:
        return None
    if not tokens:  # parse the headers again only when the envelope named no answer address
        tokens = _answer_tokens_in_verdict(row)
    ids = [i for i in (decode_answer_token(t, secret) for t in tokens) if i]
    if not ids:
        return None
    from service.inbox.email_answers import answer_by_email

    got = answer_by_email(session, inquiry_id=ids[0], row=row, verdict=v, now=effects.now())
    return Outcome(
        kind="answer", action=got.action, outgoing=got.outgoing, inquiry_id=got.inquiry_id
    )


def _answer_tokens_in_verdict(row: InboundMessage) -> list[str]:
    """Answer tokens in the To/Cc headers (the envelope may be absent for HTTP/IMAP input)."""
    from email.parser import BytesHeaderParser
    from email.utils import getaddresses

    from service.inbound.reading.parse import POLICY, all_headers

    try:  # the header block only: the body may be megabytes
        msg = BytesHeaderParser(policy=POLICY).parsebytes(row.raw)
    except Exception:
        return []
    addrs = [a for _, a in getaddresses(all_headers(msg, "To") + all_headers(msg, "Cc"))]
    return tokens_in(addrs, ANSWER_TAG)
