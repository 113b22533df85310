"""Public pages reached from mail: one-click unsubscribe (RFC 8058), preferences, double opt-in.

No cookies, sessions or CSRF tokens on these routes: the signed token in the URL is the only
credential, and RFC 8058 one-click POSTs must work without any other context. Every bad token
gets the same 404 page, so responses reveal nothing about which part was wrong.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from service.api.web_texts import texts
from service.audience import preferences
from service.audience.ledger import consent_text
from service.audience.subscribe import ConfirmationExpired, confirm, subscribe
from service.audience.token_port import (
    decode_confirm,
    decode_preferences,
    decode_unsubscribe,
    make_preferences,
)
from service.audience.transactional import send_transactional
from service.audience.withdrawal import leave_everything, unsubscribe_from_campaign
from service.db import session_scope
from service.domain.errors import InvalidInput, NotFound
from service.models.campaign import Campaign
from service.models.consent import WithdrawalChannel
from service.models.subscriber import Subscriber
from service.settings import get_settings

router = APIRouter(tags=["public"])
# Routes that must stay outside any CSRF/session middleware the app adds (RFC 8058 §3.1).
CSRF_EXEMPT_PATHS = frozenset({"/u/{token}"})
templates = Jinja2Templates(directory=Path(__file__).resolve().parents[2] / "templates" / "web")
MailSender = Callable[[EmailMessage], None]


def get_mail_sender() -> MailSender:
    """How confirmation requests leave; the app may override this dependency (e.g. a queue)."""
    return send_transactional


def page(
    request: Request, template: str, /, *, lang: str, status: int = 200, **ctx: Any
) -> HTMLResponse:
    """Render a page in `lang` with the legal footer."""
    settings = get_settings()
    context = {"lang": lang, "t": texts(lang), "org": settings.org_legal_name}
    context |= {"address": settings.org_postal_address, **ctx}
    response = templates.TemplateResponse(request, template, context, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the URL is a credential
    return response


def not_found(request: Request) -> HTMLResponse:
    """The single answer for every forged, unknown or stale token."""
    return page(request, "not_found.html", lang="en", status=404)


def client_ip(request: Request) -> str | None:
    """The peer address (proxies: run uvicorn with --proxy-headers)."""
    return request.client.host if request.client else None


def _unsubscribe_target(session: Session, token: str) -> tuple[Subscriber, int, str | None] | None:
    """(subscriber, campaign_id, list name or None for 'everything') for a genuine token."""
    decoded = decode_unsubscribe(token)
    sub = session.get(Subscriber, decoded[0]) if decoded else None
    if decoded is None or sub is None:
        return None
    campaign = session.get(Campaign, decoded[1])
    list_name = None
    if campaign is not None:
        list_name = get_settings().mailing_lists.get(campaign.list_slug, campaign.list_name)
    return sub, decoded[1], list_name


@router.get("/u/{token}", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: str) -> HTMLResponse:
    """Show what the button would do; GET never changes anything (link scanners prefetch)."""
    with session_scope() as session:
        target = _unsubscribe_target(session, token)
        if target is None:
            return not_found(request)
        sub, _campaign_id, list_name = target
        assert sub.id is not None
        return page(
            request,
            "unsubscribe.html",
            lang=sub.language,
            done=False,
            list_name=list_name,
            action=str(request.url.path),
            preferences_url=f"/p/{make_preferences(sub.id)}",
        )


@router.post("/u/{token}", response_class=HTMLResponse)
def one_click_unsubscribe(
    request: Request,
    token: str,
    one_click: Annotated[str | None, Form(alias="List-Unsubscribe")] = None,
) -> HTMLResponse:
    """RFC 8058 one-click: 200 with no redirect, idempotent, form-encoded or multipart."""
    with session_scope() as session:
        target = _unsubscribe_target(session, token)
        if target is None:
            return not_found(request)
        sub, campaign_id, list_name = target
        assert sub.id is not None
        prefs_url = f"/p/{make_preferences(sub.id)}"
        common: dict[str, Any] = {
            "list_name": list_name,
            "action": str(request.url.path),
            "preferences_url": prefs_url,
        }
        if one_click != "One-Click":  # not an RFC 8058 request: offer the button instead
            return page(
                request, "unsubscribe.html", lang=sub.language, status=400, done=False, **common
            )
        unsubscribe_from_campaign(
            session,
            subscriber=sub,
            campaign_id=campaign_id,
            channel=WithdrawalChannel.ONE_CLICK,
            ip=client_ip(request),
        )
        return page(request, "unsubscribe.html", lang=sub.language, done=True, **common)


def _preference_subscriber(session: Session, token: str) -> Subscriber | None:
    """The subscriber a genuine preference token names."""
    subscriber_id = decode_preferences(token)
    return session.get(Subscriber, subscriber_id) if subscriber_id is not None else None


@router.get("/p/{token}", response_class=HTMLResponse)
def preference_page(request: Request, token: str) -> HTMLResponse:
    """The preference centre: lists, topics, language, tracking consent (off by default)."""
    with session_scope() as session:
        sub = _preference_subscriber(session, token)
        if sub is None:
            return not_found(request)
        prefs = preferences.view(session, subscriber=sub)
        return page(
            request,
            "preferences.html",
            lang=sub.language,
            prefs=prefs,
            action=str(request.url.path),
            saved=False,
            error=None,
        )


@router.post("/p/{token}", response_class=HTMLResponse)
def save_preferences(
    request: Request,
    token: str,
    action: Annotated[str, Form()] = "save",
    lists: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
    topics: Annotated[list[str], Form()] = [],  # noqa: B006
    language: Annotated[str, Form()] = "en",
    tracking: Annotated[str | None, Form()] = None,
) -> HTMLResponse:
    """Save the form, or leave everything (global unsubscribe + suppression)."""
    with session_scope() as session:
        sub = _preference_subscriber(session, token)
        if sub is None:
            return not_found(request)
        error = None
        if action == "leave_all":
            leave_everything(
                session,
                subscriber=sub,
                channel=WithdrawalChannel.LINK,
                ip=client_ip(request),
                source="preference centre",
            )
        else:
            try:
                preferences.update(
                    session,
                    subscriber=sub,
                    lists=set(lists),
                    topics=set(topics),
                    language=language,
                    tracking_consent=tracking == "on",
                    ip=client_ip(request),
                )
            except InvalidInput as exc:
                session.rollback()
                error = str(exc)
        prefs = preferences.view(session, subscriber=sub)
        return page(
            request,
            "preferences.html",
            lang=sub.language,
            prefs=prefs,
            action=str(request.url.path),
            saved=error is None,
            error=error,
            status=422 if error else 200,
        )


def _form_language(request: Request, lang: str | None) -> str:
    """?lang=, else the browser's preference between German and English."""
    if lang in ("de", "en"):
        return lang
    accept = request.headers.get("accept-language", "").lower()
    return "de" if accept.startswith("de") else "en"


def _subscribe_page(request: Request, lang: str, *, status: int = 200, **ctx: Any) -> HTMLResponse:
    """The signup form (or its 'check your inbox' state)."""
    settings = get_settings()
    ctx = {"sent": False, "error": None, "email": "", "name": "", **ctx}
    return page(
        request,
        "subscribe.html",
        lang=lang,
        status=status,
        action="/subscribe",
        lists=settings.mailing_lists,
        consent_version=settings.consent_version,
        consent_text=consent_text(settings.consent_version, lang),
        **ctx,
    )


@router.get("/subscribe", response_class=HTMLResponse)
def subscribe_form(request: Request, lang: str | None = None) -> HTMLResponse:
    """The public signup form with the exact consent text that will be recorded."""
    return _subscribe_page(request, _form_language(request, lang))


@router.post("/subscribe", response_class=HTMLResponse)
def subscribe_submit(
    request: Request,
    sender: Annotated[MailSender, Depends(get_mail_sender)],
    email: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "en",
    lists: Annotated[list[str], Form()] = [],  # noqa: B006
    consent: Annotated[str | None, Form()] = None,
) -> HTMLResponse:
    """Record the signup and send the confirmation request; the same answer for every address."""
    lang = language if language in ("de", "en") else "en"
    if consent != "yes":
        return _subscribe_page(
            request, lang, status=422, error=texts(lang)["sub_need_consent"], email=email, name=name
        )
    source = str(request.url_for("subscribe_form"))
    try:
        with session_scope() as session:
            outcome = subscribe(
                session,
                email=email,
                name=name.strip() or None,
                language=lang,
                lists=set(lists),
                ip=client_ip(request),
                source=source,
            )
    except InvalidInput as exc:
        return _subscribe_page(request, lang, status=422, error=str(exc), email=email, name=name)
    if outcome.message is not None:
        try:
            sender(outcome.message)  # after commit: a failed send never loses the signup row
        except (OSError, smtplib.SMTPException):
            return page(
                request,
                "confirm.html",
                lang=lang,
                status=503,
                outcome="send_failed",
                preferences_url=None,
            )
    return _subscribe_page(request, lang, sent=True)


def _confirm_subscriber(session: Session, token: str) -> Subscriber | None:
    """The subscriber a genuine confirmation token names."""
    decoded = decode_confirm(token)
    return session.get(Subscriber, decoded[0]) if decoded else None


@router.get("/confirm/{token}", response_class=HTMLResponse)
def confirm_page(request: Request, token: str) -> HTMLResponse:
    """A page with a button: link scanners prefetch GETs and must not confirm anybody."""
    with session_scope() as session:
        sub = _confirm_subscriber(session, token)
        if sub is None:
            return not_found(request)
        return page(
            request,
            "confirm.html",
            lang=sub.language,
            outcome=None,
            action=str(request.url.path),
            preferences_url=None,
        )


@router.post("/confirm/{token}", response_class=HTMLResponse)
def confirm_submit(request: Request, token: str) -> HTMLResponse:
    """Confirm once; a second use changes nothing; an old link asks to subscribe again."""
    try:
        with session_scope() as session:
            sub, changed = confirm(session, token=token, ip=client_ip(request))
            lang, sub_id = sub.language, sub.id
    except NotFound:
        return not_found(request)
    except ConfirmationExpired:
        sub_lang = _language_of_token(token)
        return page(
            request,
            "confirm.html",
            lang=sub_lang,
            status=410,
            outcome="expired",
            preferences_url=None,
        )
    assert sub_id is not None
    return page(
        request,
        "confirm.html",
        lang=lang,
        outcome="confirmed" if changed else "already_confirmed",
        preferences_url=f"/p/{make_preferences(sub_id)}",
    )


def _language_of_token(token: str) -> str:
    """The language of the subscriber a confirmation token names (for the expiry page)."""
    with session_scope() as session:
        sub = _confirm_subscriber(session, token)
        return sub.language if sub else "en"
