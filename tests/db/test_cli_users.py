"""`newsdesk user add|list|disable|reset-password`: accounts from the command line."""

from __future__ import annotations

import re

from sqlmodel import Session
from typer.testing import CliRunner

from service import audit
from service.accounts.errors import LoginRefused
from service.accounts.login import password_step
from service.accounts.sessions import load_session
from service.accounts.users import find_user
from service.cli import app
from service.cli.support import USER_ERROR

RUNNER = CliRunner(env={"COLUMNS": "200"})


def _login_works(session: Session, email: str, password: str) -> bool:
    try:
        raw, _ = password_step(session, email=email, password=password, client_ip=None)
        return load_session(session, raw=raw) is not None
    except LoginRefused:
        return False
    finally:
        session.commit()  # release SQLite's write lock before the next CLI command


def test_add_list_disable_and_reset_a_user(session: Session) -> None:
    added = RUNNER.invoke(
        app, ["user", "add", "Ada@Example.org", "--name", "Ada", "--role", "admin"]
    )
    assert added.exit_code == 0, added.output
    first = re.search(r"first password: (\S+)", added.output).group(1)  # type: ignore[union-attr]
    RUNNER.invoke(app, ["user", "add", "ed@example.org", "--name", "Ed", "--role", "editor",
                        "--password", "ed-first-password", "--language", "de"])  # fmt: skip
    listed = RUNNER.invoke(app, ["user", "list"])
    assert listed.exit_code == 0
    assert (
        "ada@example.org" in listed.output and "editor" in listed.output and " de " in listed.output
    )
    assert _login_works(session, "ada@example.org", first)

    disabled = RUNNER.invoke(app, ["user", "disable", "ed@example.org"])
    assert disabled.exit_code == 0 and "disabled" in disabled.output
    session.expire_all()
    assert not _login_works(session, "ed@example.org", "ed-first-password")
    last_admin = RUNNER.invoke(app, ["user", "disable", "ada@example.org"])
    assert (
        last_admin.exit_code == USER_ERROR
        and "At least one active administrator" in last_admin.output
    )
    assert RUNNER.invoke(app, ["user", "disable", "ed@example.org", "--enable"]).exit_code == 0

    declined = RUNNER.invoke(app, ["user", "reset-password", "ed@example.org"], input="n\n")
    assert declined.exit_code == 1
    reset = RUNNER.invoke(app, ["user", "reset-password", "ed@example.org"], input="y\n")
    assert reset.exit_code == 0, reset.output
    new = re.search(r"new password for ed@example.org: (\S+)", reset.output).group(1)  # type: ignore[union-attr]
    session.expire_all()
    assert _login_works(session, "ed@example.org", new)
    assert not _login_works(session, "ed@example.org", "ed-first-password")
    ed = find_user(session, email="ed@example.org")
    assert ed is not None and ed.id is not None
    actions = [e.action for e, _who in audit.trail(session, object_type="user", object_id=ed.id)]
    assert actions == ["user.reset_password", "user.enable", "user.disable", "user.create"]


def test_bad_input_is_a_clear_error_with_the_user_error_exit_code(session: Session) -> None:
    bad = RUNNER.invoke(
        app,
        ["user", "add", "not-an-address", "--name", "X", "--role", "chief", "--password", "short"],
    )
    assert bad.exit_code == USER_ERROR
    for part in (
        "email:",
        "role: Choose one of the roles.",
        "password: Use at least 10 characters.",
    ):
        assert part in bad.output
    unknown = RUNNER.invoke(app, ["user", "disable", "nobody@example.org"])
    assert unknown.exit_code == USER_ERROR and "no user with the email address" in unknown.output
