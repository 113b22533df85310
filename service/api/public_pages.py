"""Shared pieces of the public pages: templates, page rendering, the 404, peer address, mail."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from service.api.web_texts import texts
from service.audience.transactional import send_transactional
from service.resources import templates_dir
from service.settings import get_settings

templates = Jinja2Templates(directory=templates_dir() / "web")
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
