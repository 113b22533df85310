"""The newsroom's Jinja2 environments (one per UI language, autoescaped) and page rendering.

Templates live in templates/web/newsroom/ (a tree apart from the email templates and the
public pages). Every page gets: `_`/`gettext`/`ngettext` (catalogs of service.web.i18n), `fmt`
(dates and numbers in the user's locale), `lang`, `login`, `user`, `csrf_token`, `can(action)`,
`nav` (the menu entries the user may see), `request` and `prefix` ("/newsroom").
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, select_autoescape

from service.accounts.permissions import allowed
from service.accounts.sessions import Login
from service.rendering.environment import template_environment
from service.resources import templates_dir
from service.settings import get_settings
from service.web.cookies import set_cookie
from service.web.deps import PRE_COOKIE, pre_login_token
from service.web.i18n import Formats, pick_language, translations

PREFIX = "/newsroom"
TEMPLATES_DIR = templates_dir() / "web"  # the wheel's copy, else the checkout's
LANG_COOKIE = "newsroom_lang"

# (path under PREFIX, msgid, action needed); web2 appends its sections with register_nav().
NAV: list[tuple[str, str, str]] = [("/", "Dashboard", "dashboard.view")]


def register_nav(path: str, label: str, action: str) -> None:
    """Add a menu entry (label is an English msgid, shown only to roles allowed `action`)."""
    if all(entry[0] != path for entry in NAV):
        NAV.append((path, label, action))


def N_(message: str) -> str:
    """Mark a msgid for extraction; translated when rendered."""
    return message


STATUS_LABELS = {
    "draft": N_("Draft"),
    "scheduled": N_("Scheduled"),
    "sending": N_("Sending"),
    "paused": N_("Paused"),
    "sent": N_("Sent"),
    "cancelled": N_("Cancelled"),
}
ROLE_LABELS = {
    "admin": N_("Administrator"),
    "editor": N_("Editor"),
    "approver": N_("Approver"),
    "coordinator": N_("Coordinator"),
    "viewer": N_("Viewer"),
}
# ?done=<key> after a redirect -> msgid of the confirmation shown on the page
NOTICES = {
    "created": N_("The user has been added."),
    "role": N_("The role has been saved. The user's open sessions have ended."),
    "disabled": N_("The user has been disabled and logged out."),
    "enabled": N_("The user has been enabled."),
}
# action -> msgid for the audit trail partial; web2 adds its own with AUDIT_LABELS.update().
AUDIT_LABELS = {
    "user.create": N_("User added"),
    "user.role": N_("Role changed"),
    "user.disable": N_("User disabled"),
    "user.enable": N_("User enabled"),
    "user.reset_password": N_("Password reset"),
    "user.password": N_("Password changed"),
    "user.totp_on": N_("Two-step login turned on"),
    "user.totp_off": N_("Two-step login turned off"),
    "user.token_issue": N_("API token created"),
    "user.token_revoke": N_("API token revoked"),
}


def _sso_label() -> str | None:
    """The OIDC button's label when single sign-on is configured."""
    settings = get_settings()
    return settings.oidc_label if settings.oidc_issuer and settings.oidc_client_id else None


@lru_cache(maxsize=2)
def environment(lang: str) -> Environment:
    """The environment of one UI language."""
    env = template_environment(
        folder="web",
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
    )
    env.globals["status_label"] = lambda status: STATUS_LABELS.get(status, status)
    env.globals["role_label"] = lambda role: ROLE_LABELS.get(role, role)
    catalog = translations(lang)
    env.globals["roles_options"] = lambda roles: [
        (r, catalog.gettext(ROLE_LABELS.get(r, r))) for r in roles
    ]
    env.globals["sso_label"] = lambda: _sso_label()
    env.globals["notice_text"] = lambda key: NOTICES.get(key, key)
    env.globals["audit_label"] = lambda action: AUDIT_LABELS.get(action, action)
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def request_language(request: Request, login: Login | None) -> str:
    """The profile's language when logged in; else the lang cookie or the browser's choice."""
    return pick_language(
        login.user.language if login else None,
        request.cookies.get(LANG_COOKIE),
        accept=request.headers.get("accept-language"),
    )


def render(
    request: Request,
    template: str,
    /,
    *,
    login: Login | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render `newsroom/<template>` for this request's user and language."""
    lang = request_language(request, login)
    pre = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(24)
    role = login.user.role if login else None
    page = environment(lang).get_template(f"newsroom/{template}")
    html = page.render(
        request=request,
        prefix=PREFIX,
        lang=lang,
        fmt=Formats(lang),
        login=login,
        user=login.user if login else None,
        csrf_token=login.csrf_token if login else pre_login_token(pre),
        can=lambda action: role is not None and allowed(role, action),
        nav=[(PREFIX + p, label) for p, label, a in NAV if role and allowed(role, a)],
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    if login is None and PRE_COOKIE not in request.cookies:
        set_cookie(response, PRE_COOKIE, pre)
    return response


def render_partial(request: Request, template: str, /, *, login: Login | None, **ctx: Any) -> str:
    """A fragment (htmx swap or include) as a string."""
    return bytes(render(request, template, login=login, **ctx).body).decode()
