"""The slow, straightforward build of one campaign message with EmailMessage (policy SMTP).

It exists to prove the fast path right: the tests compare its bytes with
`EditionSkeleton.message_for`. Two documented choices are shared with the fast path rather than
left to the stdlib: List-Unsubscribe is set pre-folded (the stdlib would RFC 2047-encode a long
URI, which breaks one-click unsubscribe), and parts use max_line_length=76 so quoted-printable
lines respect RFC 2045's limit (the SMTP policy's 78 is meant for header lines).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime

from service.addressing.subaddresses import reply_address, unsubscribe_mailto_address
from service.addressing.tokens import codec
from service.addressing.urls import PublicUrls
from service.mail import headers as H
from service.mail.compose import EditionMeta, header_values
from service.mail.personalise import (
    PersonalEdition,
    Personaliser,
    Recipient,
    keys_in,
    personalise,
)
from service.rendering.contract import RenderedEdition, placeholder
from service.settings import Settings


def _fill(source: str, values: dict[str, str]) -> str:
    """Replace every placeholder, one by one."""
    for key, value in values.items():
        source = source.replace(placeholder(key), value)
    return source


def _values(
    meta: EditionMeta, settings: Settings, recipient: Recipient, edition: RenderedEdition
) -> tuple[dict[str, str], dict[str, str]]:
    """Every placeholder's value for the text part and the HTML part (the one personalise)."""
    personal = PersonalEdition.of(
        campaign_id=meta.campaign_id,
        announcement_ids=meta.announcement_ids,
        links=meta.links,
        keys=keys_in(edition.html, edition.text),
        edition_id=meta.edition_id,
    )
    values = personalise(personal, recipient, using=Personaliser.for_settings(settings))
    return values.text, values.html


def build_reference_message(
    *,
    edition: RenderedEdition,
    meta: EditionMeta,
    settings: Settings,
    recipient: Recipient,
    now: datetime,
    message_id: str,
    boundary: str,
) -> bytes:
    """The unsigned message bytes, built with EmailMessage(policy=SMTP)."""
    tok, urls = codec(settings), PublicUrls(settings)
    sid, cid = recipient.subscriber_id, meta.campaign_id
    text_values, html_values = _values(meta, settings, recipient, edition)
    constant = header_values(meta, settings, boundary=boundary)
    msg = EmailMessage(policy=H.HEADER_POLICY.clone(refold_source="none"))
    msg["From"] = constant["From"]
    msg["To"] = H.ascii_address(recipient.email)
    msg["Subject"] = constant["Subject"]
    msg["Date"] = format_datetime(now.astimezone(UTC).replace(microsecond=0))
    msg["Message-ID"] = message_id
    msg["MIME-Version"] = "1.0"
    msg["Content-Type"] = constant["Content-Type"]
    msg["Reply-To"] = reply_address(tok.reply(cid, sid, 0), settings.reply_domain)
    msg["List-Id"] = constant["List-Id"]
    mailto = unsubscribe_mailto_address(tok.unsubscribe(sid, cid), settings.reply_domain)
    unsub = H.list_unsubscribe_raw_value(urls.unsubscribe(sid, cid), mailto)
    msg.set_raw("List-Unsubscribe", unsub)
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Feedback-ID"] = constant["Feedback-ID"]
    if settings.precedence_bulk:
        msg["Precedence"] = "bulk"
    for subtype, source, values in (
        ("plain", edition.text, text_values),
        ("html", edition.html, html_values),
    ):
        part = MIMEPart(policy=H.PART_POLICY)
        part.set_content(
            _fill(source, values), subtype=subtype, charset="utf-8", cte="quoted-printable"
        )
        msg.attach(part)  # type: ignore[arg-type]  # parts are MIMEPart by design
    return msg.as_bytes()
