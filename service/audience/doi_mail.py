"""The double opt-in confirmation request: only the request, no news (BGH GRUR 2011, 936)."""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from jinja2 import select_autoescape

from service.addressing.urls import PublicUrls
from service.models.subscriber import Subscriber
from service.rendering.environment import template_environment
from service.resources import templates_dir
from service.settings import get_settings

TEMPLATES = templates_dir()
SUBJECTS = {
    "de": "Bitte bestätigen Sie Ihr Newsletter-Abonnement",
    "en": "Please confirm your newsletter subscription",
}

_env = template_environment(
    autoescape=select_autoescape(["html"]), trim=False, keep_trailing_newline=True
)


def epoch_day(moment: datetime) -> int:
    """Days since 1970-01-01 in UTC (the confirmation token's issue day)."""
    return int(moment.timestamp() // 86400)


def confirm_url(subscriber_id: int, now: datetime) -> str:
    """The single-use confirmation link."""
    return PublicUrls(get_settings()).confirm(subscriber_id, epoch_day(now))


def build_confirmation(subscriber: Subscriber, *, now: datetime) -> EmailMessage:
    """EmailMessage with text and HTML parts; the caller sends it after committing."""
    settings = get_settings()
    assert subscriber.id is not None
    lang = subscriber.language if subscriber.language in SUBJECTS else "en"
    context = {
        "lang": lang,
        "url": confirm_url(subscriber.id, now),
        "days": settings.doi_expiry_days,
        "org": settings.org_legal_name,
        "address": settings.org_postal_address,
    }
    msg = EmailMessage()
    msg["From"] = Address(settings.from_name, addr_spec=settings.from_address)
    msg["To"] = Address(
        addr_spec=subscriber.email
    )  # no display name: nothing user-typed in headers
    msg["Subject"] = SUBJECTS[lang]
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain=settings.message_id_domain)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: a system notice, not to be answered
    msg.set_content(_env.get_template("mail/doi_confirm.txt.j2").render(context))
    msg.add_alternative(
        _env.get_template("mail/doi_confirm.html.j2").render(context), subtype="html"
    )
    return msg
