"""Settings (admin): users and roles: add, change role, disable/enable, reset password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import col, select

from service import audit
from service.accounts import users
from service.accounts.errors import FormProblem
from service.models import Coordinator, Role, User
from service.web.deps import CurrentLogin, DbSession, require
from service.web.forms import FormState, from_problem
from service.web.templating import PREFIX, register_nav, render, request_language

router = APIRouter(prefix="/settings/users")
Admin = Annotated[User, Depends(require("user.manage"))]
register_nav("/settings/users", "Settings", "user.manage")
CONFIRMABLE = {"disable", "enable", "reset-password"}


def _coordinators(db: DbSession) -> list[tuple[str, str]]:
    rows = db.exec(select(Coordinator).order_by(col(Coordinator.name))).all()
    return [("", "–")] + [(str(c.id), c.name) for c in rows]


def _list(
    request: Request, db: DbSession, login: CurrentLogin, form: FormState, status: int = 200
) -> Response:
    return render(
        request,
        "settings/users.html",
        login=login,
        status=status,
        users=users.list_users(db),
        form=form,
        roles=[r.value for r in Role],
        coordinators=_coordinators(db),
    )


@router.get("", response_class=HTMLResponse)
def user_list(request: Request, db: DbSession, login: CurrentLogin, _admin: Admin) -> Response:
    """All users and the form to add one."""
    return _list(request, db, login, FormState(values={"role": "editor", "language": "en"}))


@router.post("", response_class=HTMLResponse)
def user_add(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    admin: Admin,
    email: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "en",
    password: Annotated[str, Form()] = "",
    coordinator_id: Annotated[str, Form()] = "",
) -> Response:
    """Add a user with a first password the admin passes on."""
    values = {"email": email, "display_name": display_name, "role": role, "language": language}
    values["coordinator_id"] = coordinator_id
    try:
        user = users.create_user(
            db,
            email=email,
            display_name=display_name,
            role=role,
            password=password,
            language=language if language in ("de", "en") else "en",
            coordinator_id=int(coordinator_id) if coordinator_id.isdigit() else None,
        )
    except FormProblem as exc:
        form = from_problem(exc, lang=request_language(request, login), values=values)
        return _list(request, db, login, form, status=422)
    audit.record(
        db,
        actor_id=admin.id,
        action="user.create",
        object_type="user",
        object_id=user.id or 0,
        role=user.role,
    )
    return RedirectResponse(f"{PREFIX}/settings/users/{user.id}?done=created", status_code=303)


def _detail(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    user: User,
    *,
    status: int = 200,
    **ctx: object,
) -> Response:
    assert user.id is not None
    return render(
        request,
        "settings/user.html",
        login=login,
        status=status,
        subject=user,
        roles=[r.value for r in Role],
        coordinators=_coordinators(db),
        trail=audit.trail(db, object_type="user", object_id=user.id),
        form=ctx.pop("form", FormState()),
        notice=request.query_params.get("done"),
        **ctx,
    )


@router.get("/{user_id}", response_class=HTMLResponse)
def user_detail(
    request: Request, db: DbSession, login: CurrentLogin, _admin: Admin, user_id: int
) -> Response:
    """One user: role, status, password reset, history."""
    return _detail(request, db, login, users.get_user(db, user_id=user_id))


@router.post("/{user_id}/role", response_class=HTMLResponse)
def user_role(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    admin: Admin,
    user_id: int,
    role: Annotated[str, Form()] = "",
    coordinator_id: Annotated[str, Form()] = "",
) -> Response:
    """Change the role (and coordinator link); the user's sessions end."""
    user = users.get_user(db, user_id=user_id)
    before = user.role
    try:
        users.set_role(db, user_id=user_id, role=role)
        users.set_coordinator(
            db, user=user, coordinator_id=int(coordinator_id) if coordinator_id.isdigit() else None
        )
    except FormProblem as exc:
        db.rollback()
        form = from_problem(exc, lang=request_language(request, login), values={"role": role})
        return _detail(
            request, db, login, users.get_user(db, user_id=user_id), status=422, form=form
        )
    audit.record(
        db,
        actor_id=admin.id,
        action="user.role",
        object_type="user",
        object_id=user_id,
        old=before,
        new=role,
    )
    return RedirectResponse(f"{PREFIX}/settings/users/{user_id}?done=role", status_code=303)


@router.get("/{user_id}/confirm/{action}", response_class=HTMLResponse)
def confirm(
    request: Request, db: DbSession, login: CurrentLogin, _admin: Admin, user_id: int, action: str
) -> Response:
    """Ask before disabling, enabling or resetting a password."""
    if action not in CONFIRMABLE:
        return render(request, "error.html", login=login, status=404, kind="not_found")
    return render(
        request,
        "settings/confirm.html",
        login=login,
        subject=users.get_user(db, user_id=user_id),
        action=action,
    )


@router.post("/{user_id}/disable", response_class=HTMLResponse)
def disable(
    request: Request, db: DbSession, login: CurrentLogin, admin: Admin, user_id: int
) -> Response:
    """Disable the user and end their sessions (the last admin is kept)."""
    try:
        users.set_disabled(db, user_id=user_id, disabled=True)
    except FormProblem as exc:
        form = from_problem(exc, lang=request_language(request, login), values={})
        return _detail(
            request, db, login, users.get_user(db, user_id=user_id), status=422, form=form
        )
    audit.record(
        db, actor_id=admin.id, action="user.disable", object_type="user", object_id=user_id
    )
    return RedirectResponse(f"{PREFIX}/settings/users/{user_id}?done=disabled", status_code=303)


@router.post("/{user_id}/enable", response_class=HTMLResponse)
def enable(db: DbSession, admin: Admin, user_id: int) -> Response:
    """Let a disabled user log in again."""
    users.set_disabled(db, user_id=user_id, disabled=False)
    audit.record(db, actor_id=admin.id, action="user.enable", object_type="user", object_id=user_id)
    return RedirectResponse(f"{PREFIX}/settings/users/{user_id}?done=enabled", status_code=303)


@router.post("/{user_id}/reset-password", response_class=HTMLResponse)
def reset_password(
    request: Request, db: DbSession, login: CurrentLogin, admin: Admin, user_id: int
) -> Response:
    """A new random password, shown once on this page; the user's sessions end."""
    user, password = users.reset_password(db, user_id=user_id)
    audit.record(
        db, actor_id=admin.id, action="user.reset_password", object_type="user", object_id=user_id
    )
    return _detail(request, db, login, user, new_password=password)
