"""Users: create, find, list, disable, reset password, change role, language and coordinator."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlmodel import Session, col, select

from service.accounts.errors import N_, FormProblem, field_problem
from service.accounts.passwords import check_strength, hash_password
from service.domain.addresses import normalise_email
from service.errors import InvalidInput, NotFound
from service.models import Coordinator, Role, UiLanguage, User, WebSession
from service.models._common import utcnow


def clean_email(raw: str) -> str:
    """Validate and normalise like subscriber addresses, as a field error."""
    try:
        return normalise_email(raw)
    except InvalidInput:
        raise field_problem("email", N_("Enter an email address like name@example.org.")) from None


def _check_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise field_problem("role", N_("Choose one of the roles.")) from None


def create_user(
    session: Session,
    *,
    email: str,
    display_name: str,
    role: str,
    password: str,
    language: str = UiLanguage.EN,
    coordinator_id: int | None = None,
) -> User:
    """Add a user; every field error is reported at once."""
    errors: dict[str, tuple[str, dict[str, object]]] = {}
    for check in (
        lambda: clean_email(email),
        lambda: _check_role(role),
        lambda: check_strength(password),
        lambda: _check_name(display_name),
    ):
        try:
            check()
        except FormProblem as exc:
            errors |= exc.errors
    if not errors and find_user(session, email=email) is not None:
        errors["email"] = (N_("A user with this email address already exists."), {})
    if errors:
        raise FormProblem(errors)
    user = User(
        email=clean_email(email),
        display_name=display_name.strip(),
        role=Role(role),
        password_hash=hash_password(password),
        language=UiLanguage(language),
    )
    set_coordinator(session, user=user, coordinator_id=coordinator_id)
    session.add(user)
    session.flush()
    return user


def _check_name(name: str) -> None:
    if not name.strip():
        raise field_problem("display_name", N_("Enter a name."))
    if len(name) > 200:
        raise field_problem("display_name", N_("Use at most %(n)s characters."), n=200)


def set_coordinator(session: Session, *, user: User, coordinator_id: int | None) -> None:
    """Link a coordinator-role user to the coordinator whose inquiries they answer."""
    if coordinator_id is not None and session.get(Coordinator, coordinator_id) is None:
        raise field_problem("coordinator_id", N_("Choose an existing coordinator."))
    user.coordinator_id = coordinator_id


def find_user(session: Session, *, email: str) -> User | None:
    """The user with this address (any case), or None, also for an invalid address."""
    try:
        normal = normalise_email(email)
    except InvalidInput:
        return None
    return session.exec(select(User).where(User.email == normal)).first()


def get_user(session: Session, *, user_id: int) -> User:
    """The user or NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def list_users(session: Session) -> Sequence[User]:
    """Every user, by email."""
    return session.exec(select(User).order_by(col(User.email))).all()


def end_sessions(session: Session, *, user_id: int) -> None:
    """Log the user out everywhere (disable, password change, role change)."""
    for row in session.exec(select(WebSession).where(WebSession.user_id == user_id)):
        session.delete(row)
    session.flush()


def _keep_an_admin(session: Session, user: User) -> None:
    """Refuse to demote or disable the last active administrator (nobody could fix it)."""
    if user.role != Role.ADMIN or user.disabled:
        return
    others = session.exec(
        select(User.id).where(User.role == Role.ADMIN, User.id != user.id, User.disabled == False)  # noqa: E712
    ).first()
    if others is None:
        raise field_problem("role", N_("At least one active administrator must remain."))


def set_disabled(session: Session, *, user_id: int, disabled: bool = True) -> User:
    """Disable (and log out) or re-enable a user."""
    user = get_user(session, user_id=user_id)
    if disabled:
        _keep_an_admin(session, user)
    user.disabled = disabled
    if disabled:
        end_sessions(session, user_id=user_id)
    session.add(user)
    session.flush()
    return user


def set_role(session: Session, *, user_id: int, role: str) -> User:
    """Change the role; open sessions end so the new rights apply at once."""
    user = get_user(session, user_id=user_id)
    new_role = _check_role(role)
    if new_role != Role.ADMIN:
        _keep_an_admin(session, user)
    user.role = new_role
    end_sessions(session, user_id=user_id)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, *, user_id: int, password: str) -> User:
    """Set a new password and end every session of the user."""
    check_strength(password)
    user = get_user(session, user_id=user_id)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    end_sessions(session, user_id=user_id)
    session.add(user)
    session.flush()
    return user


def reset_password(session: Session, *, user_id: int) -> tuple[User, str]:
    """Give the user a random password (shown once to the admin) and log them out."""
    password = secrets.token_urlsafe(12)
    return set_password(session, user_id=user_id, password=password), password


def set_language(session: Session, *, user: User, language: str) -> None:
    """Switch the UI language."""
    try:
        user.language = UiLanguage(language)
    except ValueError:
        raise field_problem("language", N_("Choose German or English.")) from None
    session.add(user)
    session.flush()
