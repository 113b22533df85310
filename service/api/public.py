"""Public pages reached from mail: one-click unsubscribe (RFC 8058), preferences, double opt-in.

No cookies, sessions or CSRF tokens on these routes: the signed token in the URL is the only
credential, and RFC 8058 one-click POSTs must work without any other context. Every bad token
gets the same 404 page, so responses reveal nothing about which part was wrong.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from service.addressing.link_tokens import decode_preferences, decode_unsubscribe, make_preferences
from service.api.public_keep import keep_router
from service.api.public_pages import (
    MailSender,
    client_ip,
    get_mail_sender,
    not_found,
    page,
    refusal_text,
    shown_language,
    submitted_profile,
)
from service.api.public_signup import signup_router
from service.audience import cadence, preferences
from service.audience.profile import field_views, parse_profile, topic_choices
from service.audience.withdrawal import leave_everything, unsubscribe_from_campaign
from service.db import session_scope
from service.errors import InvalidInput
from service.models._common import utcnow
from service.models.campaign import Campaign
from service.models.consent import WithdrawalChannel
from service.models.subscriber import Subscriber
from service.rendering.brand import list_label
from service.settings import get_settings

__all__ = ["CSRF_EXEMPT_PATHS", "MailSender", "client_ip", "get_mail_sender", "router"]

router = APIRouter(tags=["public"])
# Routes that must stay outside any CSRF/session middleware the app adds (RFC 8058 §3.1).
CSRF_EXEMPT_PATHS = frozenset({"/u/{token}"})


def _unsubscribe_target(
    session: Session, token: str, request: Request
) -> tuple[Subscriber, int, str | None] | None:
    """(subscriber, campaign_id, list name or None for 'everything') for a genuine token."""
    decoded = decode_unsubscribe(token)
    sub = session.get(Subscriber, decoded[0]) if decoded else None
    if decoded is None or sub is None:
        return None
    campaign = session.get(Campaign, decoded[1])
    list_name = None
    if campaign is not None:
        shown = shown_language(request, sub.language)
        list_name = list_label(get_settings(), campaign.list_slug, shown, campaign.list_name)
    return sub, decoded[1], list_name


@router.get("/u/{token}", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: str) -> HTMLResponse:
    """Show what the button would do; GET never changes anything (link scanners prefetch)."""
    with session_scope() as session:
        target = _unsubscribe_target(session, token, request)
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
        target = _unsubscribe_target(session, token, request)
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


def _preferences_page(
    request: Request, sub: Subscriber, prefs: preferences.PreferenceView, **ctx: Any
) -> HTMLResponse:
    """The preference centre in the subscriber's (or the switcher's) language."""
    settings = get_settings()
    lang = shown_language(request, sub.language)
    chosen = {t for t, on in prefs.topics.items() if on}
    names = {slug: list_label(settings, slug, lang) for slug in prefs.lists}
    return page(
        request,
        "preferences.html",
        lang=lang,
        prefs=prefs,
        list_names=names,
        fields=field_views(settings, lang, prefs.attributes),
        topics=topic_choices(settings, lang, chosen),
        chosen_topics=chosen,
        action=str(request.url.path),
        **ctx,
    )


@router.get("/p/{token}", response_class=HTMLResponse)
def preference_page(request: Request, token: str) -> HTMLResponse:
    """The preference centre: lists, profile, topics, language, tracking consent (off)."""
    with session_scope() as session:
        sub = _preference_subscriber(session, token)
        if sub is None:
            return not_found(request)
        prefs = preferences.view(session, subscriber=sub)
        chosen = cadence.cadences(session, subscriber=sub)
        return _preferences_page(request, sub, prefs, saved=False, error=None, cadences=chosen)


@router.post("/p/{token}", response_class=HTMLResponse)
def save_preferences(
    request: Request,
    token: str,
    action: Annotated[str, Form()] = "save",
    lists: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
    topics: Annotated[list[str], Form()] = [],  # noqa: B006
    language: Annotated[str, Form()] = "en",
    tracking: Annotated[str | None, Form()] = None,
    raw_profile: Annotated[dict[str, str], Depends(submitted_profile)] = {},  # noqa: B006
    cadences: Annotated[list[str], Form(alias="cadence")] = [],  # noqa: B006 - "list:cadence"
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
                    profile=parse_profile(get_settings(), raw_profile),
                )
                chosen = dict(c.partition(":")[::2] for c in cadences)
                cadence.set_cadences(
                    session, subscriber=sub, chosen=chosen, ip=client_ip(request), now=utcnow()
                )
            except InvalidInput as exc:
                session.rollback()
                error = refusal_text(exc, shown_language(request, sub.language))
        prefs = preferences.view(session, subscriber=sub)
        return _preferences_page(
            request,
            sub,
            prefs,
            saved=error is None,
            error=error,
            status=422 if error else 200,
            cadences=cadence.cadences(session, subscriber=sub),
        )


router.include_router(signup_router)
router.include_router(keep_router)
