"""Shared pieces of the public pages: templates, page rendering, the 404, peer address, mail."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Undefined, select_autoescape

from service.api.web_texts import texts
from service.audience.profile import ProfileRefused, field_label
from service.errors import InvalidInput
from service.mail.outbox import send_message
from service.rendering.brand import brand_for
from service.rendering.brand_store import overrides as brand_overrides
from service.rendering.contract import Brand
from service.rendering.environment import template_environment
from service.settings import get_settings

templates = Jinja2Templates(  # Starlette's own defaults, built by the one factory
    env=template_environment(
        folder="web", autoescape=select_autoescape(), undefined=Undefined, trim=False
    )
)
MailSender = Callable[[EmailMessage], None]


def get_mail_sender() -> MailSender:
    """How confirmation requests leave: through a worker's queue unless configured otherwise."""
    if get_settings().signup_mail_queue:
        from workers.publish import signup_mail

        return signup_mail
    return send_message


def shown_language(request: Request, lang: str) -> str:
    """The page's language: ?lang= (the switcher) over the subscriber's or the form's language."""
    asked = request.query_params.get("lang")
    return asked if asked in ("de", "en") else lang


def current_brand(lang: str) -> Brand:
    """The brand now: settings under the admins' overrides (one small read per page)."""
    from service.db import session_scope

    with session_scope() as session:
        over = brand_overrides(session)
    return brand_for(get_settings(), lang, over)


def chrome(lang: str, *, switch_url: str) -> dict[str, Any]:
    """Brand header, legal footer and language switcher shared by every public page."""
    settings = get_settings()
    t = texts(lang)
    labels = {k: t[k] for k in ("privacy", "imprint", "contact", "other_language", "language")}
    return {
        "brand": current_brand(lang),
        "labels": labels,
        "switch_url": switch_url,
        "other_lang": "en" if lang == "de" else "de",
        "org": settings.org_legal_name,
        "address": settings.org_postal_address,
    }


def page(
    request: Request, template: str, /, *, lang: str, status: int = 200, **ctx: Any
) -> HTMLResponse:
    """Render a page in `lang` (or the switcher's choice) with brand and legal footer."""
    settings = get_settings()
    lang = shown_language(request, lang)
    other = "en" if lang == "de" else "de"
    context = {"lang": lang, "t": texts(lang), "org": settings.org_legal_name}
    context |= {"address": settings.org_postal_address, **ctx}
    # The bilingual 404 names no path: every bad token must get the very same page.
    switch = "" if template == "not_found.html" else f"{request.url.path}?lang={other}"
    context["chrome"] = chrome(lang, switch_url=switch)
    response = templates.TemplateResponse(request, template, context, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the URL is a credential
    return response


def not_found(request: Request) -> HTMLResponse:
    """The single answer for every forged, unknown or stale token."""
    return page(request, "not_found.html", lang="en", status=404)


def client_ip(request: Request) -> str | None:
    """The peer address (behind a proxy: uvicorn --proxy-headers with FORWARDED_ALLOW_IPS set
    to the proxy's address only, or every signup counts against the proxy's network)."""
    return request.client.host if request.client else None


def client_network(request: Request) -> str:
    """The client's /24 (IPv4) or /64 (IPv6): what one attacker controls, for throttling."""
    import ipaddress

    ip = client_ip(request)
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return "unknown"
    prefix = 24 if address.version == 4 else 64
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


async def submitted_profile(request: Request) -> dict[str, str]:
    """The configured profile fields of a submitted form (the field set is configuration)."""
    form = await request.form()
    fields = [f.attr for f in get_settings().profile_fields]
    return {a: v for a in fields if isinstance(v := form.get(a), str)}


def refusal_text(exc: InvalidInput, lang: str) -> str:
    """An input refusal in the page's language (catalogue strings, never raw English)."""
    t = texts(lang)
    if isinstance(exc, ProfileRefused):
        return exc.localised(t, field_label(get_settings(), exc.field, lang))
    message = str(exc)
    if "email" in message.split(":", 1)[0]:
        return t["err_email"]
    if message.startswith("name:"):
        return t["err_text"].format(field=t["sub_name"])
    if message.startswith("unsubscribed from everything"):
        return t["prefs_unsubscribed"]
    if message.startswith("lists: unknown"):
        return t["err_unknown_list"]
    if message.startswith("lists:"):
        return t["err_lists"]
    return message
