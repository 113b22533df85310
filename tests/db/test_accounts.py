"""Accounts on SQLite and PostgreSQL: users, passwords, roles, sessions, TOTP, audit."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlmodel import Session, select

from service import audit
from service.accounts import sessions, totp, users
from service.accounts.errors import FormProblem, LoginRefused
from service.accounts.login import password_step, totp_step
from service.accounts.passwords import hash_password, needs_rehash, verify_password
from service.models import User, WebSession
from service.models._common import utcnow

PASSWORD = "a long enough password"


def _user(session: Session, role: str = "editor", email: str = "ed@example.org") -> User:
    user = users.create_user(
        session, email=email, display_name="Ed Itor", role=role, password=PASSWORD
    )
    session.commit()
    return user


def test_passwords_are_argon2id_and_verify() -> None:
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert verify_password(stored, PASSWORD)
    assert not verify_password(stored, PASSWORD + "x")
    assert not verify_password(None, PASSWORD)  # unknown user: same work, never true
    assert not needs_rehash(stored)


def test_create_user_reports_every_field_error_at_once(session: Session) -> None:
    with pytest.raises(FormProblem) as caught:
        users.create_user(
            session, email="not an address", display_name=" ", role="boss", password="short"
        )
    assert set(caught.value.errors) == {"email", "display_name", "role", "password"}
    assert session.exec(select(User)).first() is None


def test_email_is_normalised_and_unique(session: Session) -> None:
    user = _user(session, email="Ed.Itor@Example.ORG")
    assert user.email == "ed.itor@example.org"
    with pytest.raises(FormProblem) as caught:
        users.create_user(
            session,
            email="ED.ITOR@example.org",
            display_name="Twin",
            role="viewer",
            password=PASSWORD,
        )
    assert caught.value.errors["email"][0] == "A user with this email address already exists."
    assert users.find_user(session, email="ed.itor@EXAMPLE.org") is not None


def test_the_last_active_admin_cannot_be_demoted_or_disabled(session: Session) -> None:
    admin = _user(session, role="admin", email="admin@example.org")
    assert admin.id is not None
    with pytest.raises(FormProblem):
        users.set_role(session, user_id=admin.id, role="viewer")
    with pytest.raises(FormProblem):
        users.set_disabled(session, user_id=admin.id)
    _user(session, role="admin", email="second@example.org")
    users.set_role(session, user_id=admin.id, role="viewer")
    assert users.get_user(session, user_id=admin.id).role == "viewer"


def test_login_makes_a_fresh_session_each_time_and_logout_ends_it(session: Session) -> None:
    _user(session)
    first, pending = password_step(
        session, email="ed@example.org", password=PASSWORD, client_ip="10.0.0.1"
    )
    second, _ = password_step(
        session, email="ed@example.org", password=PASSWORD, client_ip="10.0.0.1"
    )
    session.commit()
    assert not pending and first != second  # rotation: no id survives into a new login
    stored = {row.id_hash for row in session.exec(select(WebSession))}
    assert first not in stored and len(stored) == 2  # only hashes at rest
    login = sessions.load_session(session, raw=first)
    assert login is not None and login.user.email == "ed@example.org"
    assert login.csrf_token != sessions.load_session(session, raw=second).csrf_token  # type: ignore[union-attr]
    sessions.end_session(session, raw=first)
    assert sessions.load_session(session, raw=first) is None
    assert sessions.load_session(session, raw=second) is not None


def test_sessions_end_when_expired_idle_or_the_user_is_disabled(session: Session) -> None:
    user = _user(session)
    _user(session, role="admin", email="admin@example.org")
    raws = [sessions.start_session(session, user=user) for _ in range(3)]
    rows = {r.id_hash: r for r in session.exec(select(WebSession))}
    expired, idle, _live = (rows[sessions._digest(raw)] for raw in raws)
    expired.expires_at = utcnow() - timedelta(seconds=1)
    idle.last_seen_at = utcnow() - timedelta(hours=3)  # idle limit 120 min
    session.commit()
    assert sessions.load_session(session, raw=raws[0]) is None
    assert sessions.load_session(session, raw=raws[1]) is None
    assert sessions.load_session(session, raw=raws[2]) is not None
    assert user.id is not None
    users.set_disabled(session, user_id=user.id)
    session.commit()
    assert sessions.load_session(session, raw=raws[2]) is None
    with pytest.raises(LoginRefused):
        password_step(session, email=user.email, password=PASSWORD, client_ip=None)


def test_password_change_and_role_change_end_open_sessions(session: Session) -> None:
    user = _user(session)
    assert user.id is not None
    raw = sessions.start_session(session, user=user)
    users.set_password(session, user_id=user.id, password="another long password")
    assert sessions.load_session(session, raw=raw) is None
    raw = sessions.start_session(session, user=user)
    users.set_role(session, user_id=user.id, role="viewer")
    assert sessions.load_session(session, raw=raw) is None
    _, password = users.reset_password(session, user_id=user.id)
    assert verify_password(users.get_user(session, user_id=user.id).password_hash, password)


def test_totp_is_a_second_step_and_its_session_is_replaced(session: Session) -> None:
    user = _user(session)
    secret = totp.new_secret()
    assert "otpauth://totp/" in totp.provisioning_uri(secret=secret, email=user.email)
    with pytest.raises(FormProblem):
        totp.enrol(session, user=user, secret=secret, code="000000")
    totp.enrol(session, user=user, secret=secret, code=pyotp.TOTP(secret).now())
    session.commit()
    half, pending = password_step(session, email=user.email, password=PASSWORD, client_ip=None)
    assert pending
    assert sessions.load_session(session, raw=half) is None  # not logged in before the code
    with pytest.raises(LoginRefused):
        totp_step(
            session,
            raw=half,
            code="123456" if pyotp.TOTP(secret).now() != "123456" else "654321",
            client_ip=None,
        )
    full = totp_step(session, raw=half, code=pyotp.TOTP(secret).now(), client_ip=None)
    assert full != half
    assert sessions.load_session(session, raw=full) is not None
    assert sessions.load_session(session, raw=half, allow_pending=True) is None


def test_audit_trail_lists_an_objects_events_newest_first_with_the_actor(session: Session) -> None:
    user = _user(session)
    audit.record(
        session,
        actor_id=user.id,
        action="campaign.schedule",
        object_type="campaign",
        object_id=7,
        send_at="tomorrow",
    )
    audit.record(
        session, actor_id=None, action="campaign.finish", object_type="campaign", object_id=7
    )
    audit.record(
        session, actor_id=user.id, action="campaign.schedule", object_type="campaign", object_id=8
    )
    session.commit()
    rows = audit.trail(session, object_type="campaign", object_id=7)
    assert [(e.action, name) for e, name in rows] == [
        ("campaign.finish", None),
        ("campaign.schedule", "Ed Itor"),
    ]
    assert rows[1][0].detail == {"send_at": "tomorrow"}


def test_daily_upkeep_deletes_sessions_past_their_expiry(session: Session) -> None:
    from workers.tasks.maintenance import daily_upkeep

    user = _user(session)
    old, live = (
        sessions.start_session(session, user=user),
        sessions.start_session(session, user=user),
    )
    row = session.exec(select(WebSession).where(WebSession.id_hash == sessions._digest(old))).one()
    row.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    assert daily_upkeep.run()["web_sessions"] == 1
    session.expire_all()
    assert [r.id_hash for r in session.exec(select(WebSession))] == [sessions._digest(live)]


def test_demo_accounts_one_per_role_that_can_log_in(session: Session) -> None:
    from service.demo.accounts import create_demo_accounts
    from service.models import Role

    accounts = create_demo_accounts(session)
    assert [a.role for a in accounts] == [r.value for r in Role]
    assert accounts[0].line() == f"login: admin admin@newsroom.example.org {accounts[0].password}"
    assert create_demo_accounts(session) == accounts  # a second demo run keeps them
    session.commit()
    for account in accounts:
        raw, pending = password_step(
            session, email=account.email, password=account.password, client_ip=None
        )
        login = sessions.load_session(session, raw=raw)
        assert not pending and login is not None and login.user.role == account.role
