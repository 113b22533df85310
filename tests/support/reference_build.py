"""The slow, straightforward build of one campaign message with EmailMessage (policy SMTP).

It exists to prove the fast path right: the tests compare its bytes with
`EditionSkeleton.message_for`. Two documented choices are shared with the fast path rather than
left to the stdlib: List-Unsubscribe is set pre-folded (the stdlib would RFC 2047-encode a long
URI, which breaks one-click unsubscribe), and parts use max_line_length=76 so quoted-printable
lines respect RFC 2045's limit (the SMTP policy's 78 is meant for header lines).
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime

from service.addressing.subaddresses import reply_address, unsubscribe_mailto_address
from service.addressing.tokens import codec
from service.addressing.urls import PublicUrls
from service.mail import headers as H
from service.mail.compose import PIXEL_TAG, EditionMeta, Recipient, clean_name, header_values
from service.rendering.contract import RenderedEdition, placeholder
from service.settings import Settings


def _fill(source: str, values: dict[str, str]) -> str:
    """Replace every placeholder, one by one."""
    for key, value in values.items():
        source = source.replace(placeholder(key), value)
    return source


def _values(
    meta: EditionMeta, settings: Settings, recipient: Recipient
) -> tuple[dict[str, str], dict[str, str]]:
    """Every placeholder's value for the text part and the HTML part."""
    tok, urls = codec(settings), PublicUrls(settings)
    sid, cid = recipient.subscriber_id, meta.campaign_id
    name = clean_name(recipient.name)
    common = {
        "UNSUBURL": urls.unsubscribe(sid, cid),
        "PREFSURL": urls.preferences(sid),
        "WEBURL": urls.webview(cid, sid),
    }
    for n, announcement_id in enumerate(meta.announcement_ids):
        token = tok.reply(cid, sid, announcement_id)
        common[f"REPLY{n}"] = reply_address(token, settings.reply_domain)
    text = {**common, "NAME": f" {name}" if name else "", "PIXEL": ""}
    rich = {**common, "NAME": f" {html.escape(name)}" if name else "", "PIXEL": ""}
    if recipient.tracking:
        rich["PIXEL"] = PIXEL_TAG.format(html.escape(urls.open_pixel(cid, sid)))
    for n, url in enumerate(meta.links):
        target = urls.click(cid, sid, n) if recipient.tracking else url
        text[f"LINK{n}"], rich[f"LINK{n}"] = target, html.escape(target)
    return text, rich


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
    text_values, html_values = _values(meta, settings, recipient)
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
