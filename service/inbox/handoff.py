"""Mails Newsdesk sends about inquiries: hand-off to the coordinator, answer to the subscriber."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, make_msgid

from service.addressing.mailbox_tokens import encode_answer_token
from service.addressing.subaddresses import answer_address
from service.models import Announcement, Coordinator, Inquiry, Subscriber
from service.settings import get_settings


def _clean(value: str) -> str:
    """No CR/LF/NUL in header values built from user data (STANDARDS C4)."""
    return " ".join(value.replace("\x00", " ").split())


def build_handoff(
    *,
    inquiry: Inquiry,
    coordinator: Coordinator,
    subscriber: Subscriber | None,
    announcement: Announcement | None,
    raw: bytes,
) -> EmailMessage:
    """The coordinator's copy: reply text on top, context below, original attached."""
    s = get_settings()
    msg = EmailMessage(policy=SMTP)
    msg["From"] = formataddr((s.from_name, s.from_address))
    msg["To"] = formataddr((_clean(coordinator.name), coordinator.email))
    token = encode_answer_token(inquiry.id or 0, s.secret_bytes)
    msg["Reply-To"] = answer_address(token, s.reply_domain)
    msg["Subject"] = _clean(
        f"[Newsdesk inquiry #{inquiry.id}] {inquiry.subject or 'Reply to the newsletter'}"
    )
    msg["Message-ID"] = make_msgid(domain=s.message_id_domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(_handoff_text(inquiry, subscriber, announcement, coordinator.language))
    _attach_original(msg, raw)
    return msg


def _attach_original(msg: EmailMessage, raw: bytes) -> None:
    """As message/rfc822 so mail clients show it inline; as base64 bytes when it cannot be.

    message/rfc822 may not be base64-encoded (RFC 2046 5.2.1), so an original that does not
    parse or has lines over SMTP's 998 octets (one-line HTML is common) goes as an opaque
    .eml file: forwarding it verbatim would make the hand-off itself undeliverable.
    """
    from email.parser import BytesParser
    from email.policy import default

    if max(map(len, raw.splitlines()), default=0) <= 998:
        try:
            original = BytesParser(policy=default).parsebytes(raw)
            msg.add_attachment(original, filename="original.eml")
            return
        except Exception:  # a malformed original still reaches the coordinator byte for byte
            pass
    msg.add_attachment(raw, maintype="application", subtype="octet-stream", filename="original.eml")


def _title_for(announcement: Announcement | None, language: str) -> str:
    """The announcement's title in the coordinator's language when it has one."""
    if announcement is None:
        return "(edition)"
    preferred = announcement.title_de if language == "de" else announcement.title_en
    return preferred or announcement.title_en or announcement.title_de or announcement.slug


def _handoff_text(
    inquiry: Inquiry,
    subscriber: Subscriber | None,
    announcement: Announcement | None,
    language: str = "en",
) -> str:
    """Body: the question first, then who asked and about what."""
    title = _title_for(announcement, language)
    who = subscriber.name or subscriber.email if subscriber else "unknown sender"
    segments = (
        ", ".join(f"{k}={v}" for k, v in (subscriber.attributes or {}).items())
        if subscriber
        else ""
    )
    return (
        f"{inquiry.text}\n\n---\nFrom: {who}\nLanguage: {inquiry.language}\n"
        f"Segments/attributes: {segments or '-'}\nAnnouncement: {title}\n"
        f"Campaign: {inquiry.campaign_id or '-'}\n\n"
        "Reply to this mail to answer; Newsdesk relays your answer from the partnership address.\n"
    )


def build_answer(*, inquiry: Inquiry, subscriber: Subscriber, text: str) -> EmailMessage:
    """The coordinator's answer relayed to the subscriber, threaded under their question."""
    s = get_settings()
    msg = EmailMessage(policy=SMTP)
    msg["From"] = formataddr((s.from_name, s.from_address))
    msg["To"] = formataddr((_clean(subscriber.name or ""), subscriber.email))
    subject = inquiry.subject or "Your question"
    msg["Subject"] = _clean(subject if subject.lower().startswith("re:") else f"Re: {subject}")
    msg["Message-ID"] = make_msgid(domain=s.message_id_domain)
    if inquiry.subscriber_message_id:
        msg["In-Reply-To"] = _clean(inquiry.subscriber_message_id)
        msg["References"] = _clean(inquiry.subscriber_message_id)
    msg.set_content(text)
    return msg
