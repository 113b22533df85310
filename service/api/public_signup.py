"""Public double opt-in pages: the signup form and the confirmation link (page + button)."""

from __future__ import annotations

import smtplib
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from service.addressing.link_tokens import decode_confirm, make_preferences
from service.api.public_pages import (
    MailSender,
    client_ip,
    client_network,
    current_brand,
    get_mail_sender,
    not_found,
    page,
    refusal_text,
    shown_language,
    submitted_profile,
)
from service.api.web_texts import texts
from service.audience.ledger import consent_text
from service.audience.profile import check_topics, field_views, parse_profile, topic_choices
from service.audience.subscribe import (
    ConfirmationExpired,
    SubscribeOutcome,
    confirm,
    subscribe,
)
from service.audience.throttle import signup_throttle
from service.db import session_scope
from service.errors import InvalidInput, NotFound
from service.mail.outbox import OutboxError
from service.mail.rate_limit import RateLimiter
from service.models.subscriber import Subscriber
from service.rendering.brand import list_label
from service.settings import get_settings

signup_router = APIRouter(tags=["public"])


def _form_language(request: Request, lang: str | None) -> str:
    """?lang=, else the browser's preference between German and English."""
    if lang in ("de", "en"):
        return lang
    accept = request.headers.get("accept-language", "").lower()
    return "de" if accept.startswith("de") else "en"


def _subscribe_page(
    request: Request,
    lang: str,
    *,
    status: int = 200,
    profile: dict[str, str] | None = None,
    topics: set[str] | None = None,
    **ctx: Any,
) -> HTMLResponse:
    """The signup form (or its 'check your inbox' state), keeping what was entered."""
    settings = get_settings()
    lang = shown_language(request, lang)
    ctx = {"sent": False, "error": None, "email": "", "name": "", **ctx}
    return page(
        request,
        "subscribe.html",
        lang=lang,
        status=status,
        action="/subscribe",
        lists={slug: list_label(settings, slug, lang) for slug in settings.mailing_lists},
        fields=field_views(settings, lang, profile or {}),
        topics=topic_choices(settings, lang, ()),
        chosen_topics=topics or set(),
        privacy_url=current_brand(lang).privacy_url,
        privacy_notice_version=settings.privacy_notice_version,
        consent_version=settings.consent_version,
        consent_text=consent_text(settings.consent_version, lang),
        **ctx,
    )


@signup_router.get("/subscribe", response_class=HTMLResponse)
def subscribe_form(request: Request, lang: str | None = None) -> HTMLResponse:
    """The public signup form with the exact consent text that will be recorded."""
    return _subscribe_page(request, _form_language(request, lang))


@signup_router.post("/subscribe", response_class=HTMLResponse)
def subscribe_submit(
    request: Request,
    sender: Annotated[MailSender, Depends(get_mail_sender)],
    email: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "en",
    lists: Annotated[list[str], Form()] = [],  # noqa: B006
    topics: Annotated[list[str], Form()] = [],  # noqa: B006
    consent: Annotated[str | None, Form()] = None,
    raw_profile: Annotated[dict[str, str], Depends(submitted_profile)] = {},  # noqa: B006
) -> HTMLResponse:
    """Record the signup and queue the confirmation request; the same answer, in the same time,
    for every address (new, unconfirmed, confirmed, suppressed): no subscription oracle."""
    started = time.monotonic()
    form = _SignupForm(email, name, language, set(lists), set(topics), consent, raw_profile)
    try:
        return _subscribe(request, sender, form)
    finally:  # the work differs by state; the time the answer takes must not
        time.sleep(max(0.0, get_settings().signup_min_response_s - (time.monotonic() - started)))


@dataclass(frozen=True)
class _SignupForm:
    """What the signup form submitted."""

    email: str
    name: str
    language: str
    lists: set[str]
    topics: set[str]
    consent: str | None
    raw_profile: dict[str, str]

    def kept(self) -> dict[str, Any]:
        """What the form shows again after a refusal."""
        return {
            "email": self.email,
            "name": self.name,
            "profile": self.raw_profile,
            "topics": self.topics,
        }


def _subscribe(request: Request, sender: MailSender, form: _SignupForm) -> HTMLResponse:
    """The signup itself."""
    lang = form.language if form.language in ("de", "en") else "en"
    kept = form.kept()
    if form.consent != "yes":
        error = texts(lang)["sub_need_consent"]
        return _subscribe_page(request, lang, status=422, error=error, **kept)
    settings = get_settings()
    try:
        profile = parse_profile(settings, form.raw_profile)
        check_topics(settings, form.topics)
    except InvalidInput as exc:
        return _subscribe_page(request, lang, status=422, error=refusal_text(exc, lang), **kept)
    throttle = signup_throttle()
    if throttle.try_acquire(f"ip:{client_network(request)}") > 0:  # one /24 or /64
        error = texts(lang)["sub_too_many"]
        return _subscribe_page(request, lang, status=429, error=error, **kept)
    # the form's configured address, never the request's Host header (finding 14)
    source = f"{settings.public_url.rstrip('/')}/subscribe"
    try:
        with session_scope() as session:
            outcome = subscribe(
                session,
                email=form.email,
                name=form.name.strip() or None,
                language=lang,
                lists=form.lists,
                topics=form.topics,
                profile=profile,
                ip=client_ip(request),
                source=source,
            )
    except InvalidInput as exc:
        return _subscribe_page(request, lang, status=422, error=refusal_text(exc, lang), **kept)
    return _send_confirmation(request, sender, throttle, outcome, lang)


def _send_confirmation(
    request: Request,
    sender: MailSender,
    throttle: RateLimiter,
    outcome: SubscribeOutcome,
    lang: str,
) -> HTMLResponse:
    """Hand the confirmation request on (after commit) unless the mailbox had enough today."""
    # A mailbox gets a few confirmation requests a day at most, whoever asks; past that the
    # page reads the same (no oracle) but nothing is sent, so the form cannot flood an inbox.
    flooded = outcome.subscriber is not None and (
        throttle.try_acquire(f"mailbox:{outcome.subscriber.email_hash}") > 0
    )
    if outcome.message is not None and not flooded:
        try:
            sender(outcome.message)  # after commit: a failed send never loses the signup row
        except (OSError, smtplib.SMTPException, OutboxError):
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


@signup_router.get("/confirm/{token}", response_class=HTMLResponse)
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


@signup_router.post("/confirm/{token}", response_class=HTMLResponse)
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
