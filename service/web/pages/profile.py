"""The user's own profile: UI language, password, TOTP enrolment; the language switch."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from service import audit
from service.accounts import tokens, totp
from service.accounts.errors import N_, FormProblem, field_problem
from service.accounts.passwords import verify_password
from service.accounts.permissions import ROLE_ACTIONS
from service.accounts.sessions import start_session
from service.accounts.users import set_language, set_password
from service.models import Role
from service.web.cookies import set_cookie
from service.web.deps import SESSION_COOKIE, CurrentLogin, DbSession, OptionalLogin
from service.web.forms import FormState, from_problem
from service.web.i18n import LANGUAGES
from service.web.templating import LANG_COOKIE, PREFIX, render, request_language

router = APIRouter()


def _page(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    *,
    status: int = 200,
    new_token: str | None = None,
    **forms: FormState,
) -> Response:
    secret = forms.pop("totp_secret_value", None)
    new_secret = secret.value("secret") if secret else totp.new_secret()
    return render(
        request,
        "profile.html",
        login=login,
        status=status,
        language_form=forms.get("language", FormState()),
        password_form=forms.get("password", FormState()),
        totp_form=forms.get("totp", FormState(values={"secret": new_secret})),
        otpauth=totp.provisioning_uri(secret=new_secret, email=login.user.email),
        notice=request.query_params.get("done"),
        tokens=tokens.list_tokens(db, user_id=login.user.id or 0),
        scopes=sorted(ROLE_ACTIONS.get(Role(login.user.role), frozenset())),
        token_form=forms.get("token", FormState()),
        new_token=new_token,
    )


def _audit(db: DbSession, login: CurrentLogin, action: str, **details: Any) -> None:
    """Record a change the user made to their own account."""
    audit.record(
        db,
        actor_id=login.user.id,
        action=action,
        object_type="user",
        object_id=login.user.id or 0,
        **details,
    )


def _done(notice: str) -> RedirectResponse:
    """Back to the profile page with a notice of what was done."""
    return RedirectResponse(f"{PREFIX}/profile?done={notice}", status_code=303)


@router.get("/profile", response_class=HTMLResponse)
def profile(request: Request, db: DbSession, login: CurrentLogin) -> Response:
    """The profile page."""
    return _page(request, db, login)


@router.post("/language")
def switch_language(
    request: Request,
    db: DbSession,
    login: OptionalLogin,
    language: Annotated[str, Form()] = "en",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Switch the UI language: stored on the profile when logged in, in a cookie otherwise."""
    target = next if next.startswith(f"{PREFIX}/") and not next.startswith("//") else f"{PREFIX}/"
    response = RedirectResponse(target, status_code=303)
    if language not in LANGUAGES:
        return response
    if login is not None:
        set_language(db, user=login.user, language=language)
    set_cookie(response, LANG_COOKIE, language, max_age=365 * 86400)
    return response


@router.post("/profile/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    current: Annotated[str, Form()] = "",
    new: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Change one's own password; other sessions end, this one is renewed."""
    lang = request_language(request, login)
    try:
        if not verify_password(login.user.password_hash, current):
            raise field_problem("current", N_("Your current password is not right."))
        if new != confirm:
            raise field_problem("confirm", N_("The two new passwords are not the same."))
        try:
            set_password(db, user_id=login.user.id or 0, password=new)
        except FormProblem as exc:
            raise FormProblem({"new": next(iter(exc.errors.values()))}) from None
    except FormProblem as exc:
        form = from_problem(exc, lang=lang, values={})
        return _page(request, db, login, status=422, password=form)
    _audit(db, login, "user.password")
    response = _done("password")
    set_cookie(response, SESSION_COOKIE, start_session(db, user=login.user))
    return response


@router.post("/profile/totp", response_class=HTMLResponse)
def enrol_totp(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    secret: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
) -> Response:
    """Turn on TOTP once the code from the app matches the shown secret."""
    try:
        totp.enrol(db, user=login.user, secret=secret, code=code)
    except FormProblem as exc:
        form = from_problem(exc, lang=request_language(request, login), values={"secret": secret})
        return _page(request, db, login, status=422, totp=form, totp_secret_value=form)
    _audit(db, login, "user.totp_on")
    return _done("totp")


@router.post("/profile/totp/off")
def disable_totp(db: DbSession, login: CurrentLogin) -> Response:
    """Turn TOTP off."""
    totp.disable(db, user=login.user)
    _audit(db, login, "user.totp_off")
    return _done("totp_off")


@router.post("/profile/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    name: Annotated[str, Form()] = "",
    scopes: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """A new API token with scopes the user's role allows; the secret is shown once."""
    lang = request_language(request, login)
    allowed_scopes = ROLE_ACTIONS.get(Role(login.user.role), frozenset())
    try:
        if not name.strip():
            raise field_problem("name", N_("Enter a name for the token."))
        if set(scopes or []) - allowed_scopes:
            raise field_problem("scopes", N_("Choose scopes from the permission list."))
        row, raw = tokens.issue_token(db, user=login.user, name=name.strip(), scopes=scopes or [])
    except FormProblem as exc:
        form = from_problem(exc, lang=lang, values={"name": name})
        return _page(request, db, login, status=422, token=form)
    _audit(db, login, "user.token_issue", token=row.name, scopes=row.scopes)
    return _page(request, db, login, new_token=raw)


@router.post("/profile/tokens/{token_id}/revoke")
def revoke_token(db: DbSession, login: CurrentLogin, token_id: int) -> Response:
    """Revoke one of one's own tokens."""
    tokens.revoke_token(db, token_id=token_id, user=login.user)
    _audit(db, login, "user.token_revoke", token_id=token_id)
    return _done("token_revoked")
