"""Login (password, then TOTP when enrolled) and logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from service.accounts.errors import LoginRefused
from service.accounts.login import password_step, totp_step
from service.accounts.sessions import end_session
from service.web.cookies import clear_cookie, set_cookie
from service.web.deps import SESSION_COOKIE, DbSession, OptionalLogin, client_ip
from service.web.forms import FormState
from service.web.i18n import gettext
from service.web.templating import PREFIX, render, request_language

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Only our own pages: never an open redirect."""
    if target and target.startswith(f"{PREFIX}/") and not target.startswith("//"):
        return target
    return f"{PREFIX}/"


def _refused(
    request: Request, exc: LoginRefused, form: FormState, field: str, page: str
) -> Response:
    lang = request_language(request, None)
    minutes = max(1, -(-exc.retry_after_s // 60))
    form.add(
        field,
        gettext(lang, exc.message, minutes=minutes)
        if exc.retry_after_s
        else gettext(lang, exc.message),
    )
    status = 429 if exc.retry_after_s else 401
    response = render(request, page, login=None, status=status, form=form)
    if exc.retry_after_s:
        response.headers["Retry-After"] = str(exc.retry_after_s)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, login: OptionalLogin, next: str | None = None) -> Response:
    """The login form (already logged in: straight to the target)."""
    if login is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", login=None, form=FormState(values={"next": next or ""}))


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    db: DbSession,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Check the password; on success a fresh session (rotation), or the TOTP step."""
    form = FormState(values={"email": email, "next": next})
    try:
        raw, pending = password_step(
            db, email=email, password=password, client_ip=client_ip(request)
        )
    except LoginRefused as exc:
        return _refused(request, exc, form, "email", "login.html")
    end_session(db, raw=request.cookies.get(SESSION_COOKIE))
    target = f"{PREFIX}/login/code?next={safe_next(next)}" if pending else safe_next(next)
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, SESSION_COOKIE, raw)
    return response


@router.get("/login/code", response_class=HTMLResponse)
def code_form(request: Request, next: str | None = None) -> Response:
    """The second step: the 6-digit code from the authenticator app."""
    return render(
        request, "login_code.html", login=None, form=FormState(values={"next": next or ""})
    )


@router.post("/login/code", response_class=HTMLResponse)
def code_submit(
    request: Request,
    db: DbSession,
    code: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Check the code; the half-logged-in session is replaced by a full one."""
    form = FormState(values={"next": next})
    try:
        raw = totp_step(
            db, raw=request.cookies.get(SESSION_COOKIE), code=code, client_ip=client_ip(request)
        )
    except LoginRefused as exc:
        return _refused(request, exc, form, "code", "login_code.html")
    response = RedirectResponse(safe_next(next), status_code=303)
    set_cookie(response, SESSION_COOKIE, raw)
    return response


@router.post("/logout")
def logout(request: Request, db: DbSession, login: OptionalLogin) -> Response:
    """End the session and go back to the login form."""
    end_session(db, raw=request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(f"{PREFIX}/login", status_code=303)
    clear_cookie(response, SESSION_COOKIE)
    return response
