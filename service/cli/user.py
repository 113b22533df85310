"""`newsdesk user ...`: newsroom accounts for people (add, list, disable, reset a password)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from service.cli.support import console, fail, user_errors

user_app = typer.Typer(
    help="Newsroom users: add, list, disable, reset-password.", no_args_is_help=True
)
ROLES = "admin, editor, approver, coordinator or viewer"


def _problem_text(exc: Exception) -> str:
    """A FormProblem as one line per field, in English."""
    from service.accounts.errors import FormProblem

    if isinstance(exc, FormProblem):
        return "; ".join(f"{field}: {msg % params}" for field, (msg, params) in exc.errors.items())
    return str(exc)


@user_app.command("add")
def user_add(
    email: str,
    name: Annotated[str, typer.Option(help="display name")],
    role: Annotated[str, typer.Option(help=ROLES)],
    language: Annotated[str, typer.Option(help="newsroom language: de or en")] = "en",
    coordinator: Annotated[
        int | None, typer.Option(help="coordinator id (coordinator role)")
    ] = None,
    password: Annotated[
        str | None, typer.Option(help="first password; omitted: a random one is printed")
    ] = None,
) -> None:
    """Add a user; prints the first password when it was generated."""
    import secrets

    from service import audit
    from service.accounts.errors import FormProblem
    from service.accounts.users import create_user
    from service.db import session_scope

    first = password or secrets.token_urlsafe(12)
    try:
        with session_scope() as session:
            user = create_user(
                session, email=email, display_name=name, role=role, password=first,
                language=language, coordinator_id=coordinator,
            )  # fmt: skip
            audit.record(session, actor_id=None, action="user.create", object_type="user",
                         object_id=user.id or 0, role=user.role, via="cli")  # fmt: skip
    except FormProblem as exc:
        raise fail(_problem_text(exc)) from None
    console.print(f"user {user.id}: {user.email} ({user.role})")
    if password is None:
        console.print(f"first password: {first}", markup=False, highlight=False)


@user_app.command("list")
def user_list() -> None:
    """Every user with role, language, two-step login and status."""
    from service.accounts.users import list_users
    from service.db import session_scope

    table = Table(title="Newsroom users")
    for column in ("id", "email", "name", "role", "lang", "2-step", "status"):
        table.add_column(column)
    with session_scope() as session:
        for u in list_users(session):
            two_step = "on" if u.totp_secret else "off"
            status = "disabled" if u.disabled else "active"
            table.add_row(str(u.id), u.email, u.display_name, u.role, u.language, two_step, status)
    console.print(table)


def _user_id(session: object, email: str) -> int:
    from service.accounts.users import find_user

    user = find_user(session, email=email)  # type: ignore[arg-type]
    if user is None or user.id is None:
        raise fail(f"no user with the email address {email!r}")
    return user.id


@user_app.command("disable")
def user_disable(
    email: str, enable: Annotated[bool, typer.Option(help="enable again instead")] = False
) -> None:
    """Disable a user (their sessions and tokens stop at once), or --enable again."""
    from service import audit
    from service.accounts.errors import FormProblem
    from service.accounts.users import set_disabled
    from service.db import session_scope

    try:
        with session_scope() as session, user_errors():
            user_id = _user_id(session, email)
            set_disabled(session, user_id=user_id, disabled=not enable)
            action = "user.enable" if enable else "user.disable"
            audit.record(
                session,
                actor_id=None,
                action=action,
                object_type="user",
                object_id=user_id,
                via="cli",
            )
    except FormProblem as exc:
        raise fail(_problem_text(exc)) from None
    console.print(f"{email}: {'enabled' if enable else 'disabled'}")


@user_app.command("reset-password")
def user_reset_password(
    email: str, yes: Annotated[bool, typer.Option("--yes", help="do not ask")] = False
) -> None:
    """Give the user a new random password (printed once) and end their sessions."""
    from service import audit
    from service.accounts.users import reset_password
    from service.db import session_scope

    if not yes and not typer.confirm(f"Reset the password of {email} and log them out?"):
        raise typer.Exit(code=1)
    with session_scope() as session, user_errors():
        user_id = _user_id(session, email)
        _user, password = reset_password(session, user_id=user_id)
        audit.record(
            session,
            actor_id=None,
            action="user.reset_password",
            object_type="user",
            object_id=user_id,
            via="cli",
        )
    console.print(f"new password for {email}: {password}", markup=False, highlight=False)
