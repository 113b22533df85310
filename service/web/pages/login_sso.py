"""Log in with the configured OIDC provider (NEWSDESK_OIDC_*); absent when not configured."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from service.accounts import oidc
from service.accounts.errors import LoginRefused
from service.accounts.sessions import start_session
from service.settings import get_settings
from service.web.cookies import clear_cookie, set_cookie
from service.web.deps import SESSION_COOKIE, DbSession
from service.web.forms import FormState
from service.web.i18n import gettext
from service.web.pages.login import safe_next
from service.web.templating import PREFIX, render, request_language

router = APIRouter()
FLOW_COOKIE = "newsroom_oidc"  # state, nonce and target of one login, signed, 10 minutes


def _sign(payload: dict[str, str]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()
    mac = hmac.new(get_settings().secret_bytes, f"oidc:{body}".encode(), hashlib.sha256)
    return f"{body}.{mac.hexdigest()}"


def _unsign(value: str | None) -> dict[str, str] | None:
    body, _, mac = (value or "").partition(".")
    good = hmac.new(get_settings().secret_bytes, f"oidc:{body}".encode(), hashlib.sha256)
    if not body or not hmac.compare_digest(mac, good.hexdigest()):
        return None
    payload: dict[str, str] = json.loads(base64.urlsafe_b64decode(body))
    return payload


def _refused(request: Request, exc: LoginRefused) -> Response:
    """The login page with the reason; the flow cookie is dropped."""
    form = FormState()
    form.add("email", gettext(request_language(request, None), exc.message))
    response = render(request, "login.html", login=None, status=401, form=form)
    clear_cookie(response, FLOW_COOKIE)
    return response


def _callback_url() -> str:
    return f"{get_settings().public_url.rstrip('/')}{PREFIX}/login/oidc/callback"


@router.get("/login/oidc")
def sso_start(request: Request, next: str | None = None) -> Response:
    """Send the browser to the IdP."""
    settings = get_settings()
    if not oidc.enabled(settings):
        return render(request, "error.html", login=None, status=404, kind="not_found")
    try:
        flow = oidc.start(settings, redirect_uri=_callback_url())
    except LoginRefused as exc:
        return _refused(request, exc)
    response = RedirectResponse(flow.url, status_code=303)
    payload = {"state": flow.state, "nonce": flow.nonce, "next": safe_next(next)}
    set_cookie(response, FLOW_COOKIE, _sign(payload), max_age=600)
    return response


@router.get("/login/oidc/callback", response_class=HTMLResponse)
def sso_callback(request: Request, db: DbSession, code: str = "", state: str = "") -> Response:
    """Back from the IdP: check state, verify the ID token, log the matching user in."""
    settings = get_settings()
    flow = _unsign(request.cookies.get(FLOW_COOKIE))
    try:
        if not oidc.enabled(settings) or flow is None or not code:
            raise LoginRefused(oidc.FAILED)
        if not hmac.compare_digest(state, flow["state"]):
            raise LoginRefused(oidc.FAILED)
        user = oidc.finish(
            db, settings, code=code, redirect_uri=_callback_url(), nonce=flow["nonce"]
        )
    except LoginRefused as exc:
        return _refused(request, exc)
    response = RedirectResponse(safe_next(flow["next"]), status_code=303)
    set_cookie(response, SESSION_COOKIE, start_session(db, user=user))
    clear_cookie(response, FLOW_COOKIE)
    return response
