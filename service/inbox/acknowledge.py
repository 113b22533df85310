"""Acknowledge a person's reply, at most once per sender per N days, never to automata (C3).

Never a backscatter channel (issue 15, finding 10): only mail from the subscriber the reply
token names (envelope and From), authenticated for their domain, gets one, with our own subject;
the outbox DKIM-signs it like every system mail.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage, Message
from email.policy import SMTP
from email.utils import formataddr, make_msgid

from sqlmodel import Session

from service.domain.addresses import email_hash, normalise_email
from service.errors import InvalidInput
from service.inbound.reading.loop_guard import may_auto_respond
from service.inbound.reading.parse import header
from service.models import AckLog
from service.models._common import as_utc, utcnow
from service.settings import get_settings

ACK_SUBJECT = {
    "de": "Ihre Nachricht ist angekommen",
    "en": "We have received your message",
}
ACK_TEXT = {
    "de": "Vielen Dank für Ihre Nachricht. Wir haben sie an die zuständige Person weitergeleitet.",
    "en": "Thank you for your message. We have passed it on to the person responsible.",
}
ANSWERER_TEXT = {
    "de": "Ihre Frage beantwortet: {name}.",
    "en": "Your question will be answered by: {name}.",
}


def maybe_acknowledge(
    session: Session,
    *,
    msg: Message,
    envelope_from: str,
    language: str = "en",
    now: datetime | None = None,
    subscriber_email: str | None = None,
    raw: bytes | None = None,
    answerer: str | None = None,
    client_ip: str | None = None,
    client_helo: str | None = None,
) -> EmailMessage | None:
    """The acknowledgement to send, or None (automatic mail, our own, a stranger, unsigned mail,
    or acknowledged recently)."""
    s = get_settings()
    client = (client_ip, client_helo)  # our own SPF check when no trusted header says more
    if not _from_our_subscriber(msg, envelope_from, subscriber_email, raw, client):
        return None
    own = [s.from_address, f"@{s.reply_domain}", f"@{s.bounce_domain}"]
    if not may_auto_respond(msg, envelope_from, [s.from_address]) or any(
        envelope_from.lower().endswith(o.lower()) for o in own
    ):
        return None
    try:
        digest = email_hash(normalise_email(envelope_from), s.secret_bytes)
    except InvalidInput:
        return None
    now = now or utcnow()
    seen = session.get(AckLog, digest)
    last = as_utc(seen.sent_at) if seen is not None else None
    if last is not None and now - last < timedelta(days=s.ack_interval_days):
        return None
    session.merge(AckLog(email_hash=digest, sent_at=now))
    session.flush()
    return _ack_message(msg, envelope_from, language, answerer)


def _ack_message(msg: Message, to: str, language: str, answerer: str | None) -> EmailMessage:
    """Auto-Submitted: auto-replied, addressed to the envelope sender, threaded."""
    s = get_settings()
    ack = EmailMessage(policy=SMTP)
    ack["From"] = formataddr((s.from_name, s.from_address))
    ack["To"] = to
    ack["Subject"] = ACK_SUBJECT.get(language, ACK_SUBJECT["en"])  # never the sender's words
    ack["Message-ID"] = make_msgid(domain=s.message_id_domain)
    ack["Auto-Submitted"] = "auto-replied"
    original_id = " ".join(header(msg, "Message-ID").split())
    if original_id:
        ack["In-Reply-To"] = original_id
        ack["References"] = original_id
    text = ACK_TEXT.get(language, ACK_TEXT["en"])
    if answerer:  # an absence sent it to a substitute: say who answers (names have no CR/LF)
        who = " ".join(answerer.split())
        text += "\n" + ANSWERER_TEXT.get(language, ANSWERER_TEXT["en"]).format(name=who)
    ack.set_content(text + "\n")
    return ack


def _from_our_subscriber(
    msg: Message,
    envelope_from: str,
    subscriber_email: str | None,
    raw: bytes | None,
    client: tuple[str | None, str | None] = (None, None),
) -> bool:
    """Envelope and From are the subscriber, and the mail is authenticated for their domain."""
    from email.utils import getaddresses, parseaddr

    from service.inbound.reading.answer_authentication import sender_authenticated
    from service.inbound.reading.authentication import domain_of
    from service.inbound.reading.parse import all_headers

    if not subscriber_email or raw is None:
        return False
    wanted = subscriber_email.strip().lower()
    froms = [a.lower() for _, a in getaddresses(all_headers(msg, "From")) if a]
    if froms != [wanted] or parseaddr(envelope_from)[1].lower() != wanted:
        return False
    how = sender_authenticated(raw, domain_of(wanted), envelope_from=wanted, client_ip=client[0],
                               client_helo=client[1])  # fmt: skip
    return how is not None
