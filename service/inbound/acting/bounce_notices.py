"""Mailman-style "your address is bouncing" notices after disabling, then removal (F3).

A subscriber whose bounce score exceeded the threshold is `disabled` (effects.score_bounce).
The daily run sends up to `bounce_notice_count` notices, `bounce_notice_interval_days` apart
(days 0, 7 and 14 by default); when the interval after the last one has passed with the
subscriber still disabled, the address is unsubscribed and put on the suppression list. A
confirmed re-signup in between ends the sequence (the status is no longer `disabled`).
"""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlmodel import Session, col, select

from service.inbound.acting.effects import suppress
from service.models import BounceScore, Subscriber, SubscriberStatus, SuppressionReason
from service.models._common import as_utc, utcnow
from service.settings import get_settings

SUBJECTS = {
    "en": "Your address is bouncing: newsletter delivery paused",
    "de": "Ihre Adresse ist nicht erreichbar: Newsletter-Zustellung pausiert",
}
BODIES = {
    "en": (
        "Hello,\n\n"
        "our newsletter to {email} has been returned as undeliverable several times,\n"
        "so we have paused it for this address. This is notice {number} of {count}.\n\n"
        "If you read this and want to keep receiving the newsletter, please subscribe again\n"
        "at {url} (you will be asked to confirm). Otherwise the address will be removed\n"
        "from our list after the last notice.\n\n"
        "{org}\n{postal}\n"
    ),
    "de": (
        "Guten Tag,\n\n"
        "unser Newsletter an {email} kam mehrfach als unzustellbar zurück,\n"
        "daher haben wir ihn für diese Adresse pausiert. Dies ist Hinweis {number} von {count}.\n\n"
        "Wenn Sie diese Nachricht lesen und den Newsletter weiter erhalten möchten, melden Sie\n"
        "sich bitte unter {url} erneut an (mit Bestätigung). Andernfalls wird die Adresse nach\n"
        "dem letzten Hinweis aus unserer Liste entfernt.\n\n"
        "{org}\n{postal}\n"
    ),
}


def due_bounce_notices(session: Session, *, now: datetime | None = None) -> list[EmailMessage]:
    """Stamp and build the notices due today, remove the addresses whose notices ran out.

    Adds and flushes; the caller commits, then sends the returned messages (transactional).
    """
    now = now or utcnow()
    rows = session.exec(
        select(BounceScore, Subscriber)
        .join(Subscriber, col(Subscriber.id) == col(BounceScore.subscriber_id))
        .where(col(BounceScore.disabled_at).is_not(None))
        .order_by(col(BounceScore.subscriber_id))
    ).all()
    mails = [mail for row, sub in rows if (mail := _step(session, row, sub, now)) is not None]
    session.flush()
    return mails


def _step(
    session: Session, row: BounceScore, sub: Subscriber, now: datetime
) -> EmailMessage | None:
    """Advance one disabled subscriber's sequence: a notice, a removal, or nothing yet."""
    settings = get_settings()
    if sub.status != SubscriberStatus.DISABLED:
        _end_sequence(session, row)  # re-subscribed, unsubscribed or blocklisted meanwhile
        return None
    last = as_utc(row.last_notice_at)
    # calendar days, so a daily run a few seconds early does not slip a whole day
    if last is not None and (now.date() - last.date()).days < settings.bounce_notice_interval_days:
        return None
    if row.notices_sent >= settings.bounce_notice_count:
        suppress(session, subscriber=sub, address=None, reason=SuppressionReason.BOUNCING)
        _end_sequence(session, row)
        return None
    row.notices_sent += 1
    row.last_notice_at = now
    session.add(row)
    return build_bounce_notice(sub, number=row.notices_sent, now=now)


def _end_sequence(session: Session, row: BounceScore) -> None:
    """Forget the disabling: the score starts afresh should the address return."""
    row.disabled_at, row.notices_sent, row.last_notice_at, row.score = None, 0, None, 0.0
    session.add(row)


def build_bounce_notice(sub: Subscriber, *, number: int, now: datetime) -> EmailMessage:
    """One transactional notice in the subscriber's language: no news, no list headers."""
    settings = get_settings()
    lang = sub.language if sub.language in SUBJECTS else "en"
    msg = EmailMessage()
    msg["From"] = Address(settings.from_name, addr_spec=settings.from_address)
    msg["To"] = Address(addr_spec=sub.email)  # no display name: nothing user-typed in headers
    msg["Subject"] = SUBJECTS[lang]
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain=settings.message_id_domain)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: a system notice, never to be answered
    msg.set_content(
        BODIES[lang].format(
            email=sub.email,
            number=number,
            count=settings.bounce_notice_count,
            url=settings.public_url.rstrip("/") + "/subscribe",
            org=settings.org_legal_name,
            postal=settings.org_postal_address,
        )
    )
    return msg
