"""Optimistic concurrency for what people edit: forms carry a version, a stale one is refused."""

from __future__ import annotations

from typing import Any, Protocol

from sqlmodel import Session

from service.accounts.errors import N_
from service.errors import StaleWrite
from service.models._common import as_utc, utcnow

STALE = N_(
    "Someone else changed this meanwhile: %(who)s at %(when)s (version %(version)s, your form"
    " has version %(yours)s). Reload the page and apply your changes again."
)


class Versioned(Protocol):
    """A row with a version and who last changed it."""

    id: int | None
    version: int
    updated_by_id: int | None
    updated_at: Any


def actor_label(session: Session, actor_id: int | None) -> str:
    """A person's display name for messages; the system when nobody is known."""
    if actor_id is None:
        return "the system or the API"
    from service.models import User

    user = session.get(User, actor_id)
    return user.display_name if user is not None else f"user {actor_id}"


def ensure_current(session: Session, *, row: Versioned, expected: int | None, kind: str) -> None:
    """Refuse a write based on an older version (None: the caller has no form, e.g. the CLI)."""
    if expected is None or expected == row.version:
        return
    when = as_utc(row.updated_at)
    stamp = when.strftime("%Y-%m-%d %H:%M UTC") if when else "an unknown time"
    who = actor_label(session, row.updated_by_id)
    raise StaleWrite(
        f"{kind} {row.id} was changed by {who} at {stamp}"
        f" (version {row.version}; your form has version {expected}); reload and apply your"
        " changes again",
        msgid=STALE,
        who=who,
        when=stamp,
        version=row.version,
        yours=expected,
    )


def bump(row: Versioned, *, actor_id: int | None) -> None:
    """Count one more write by `actor_id`."""
    row.version = (row.version or 0) + 1
    row.updated_by_id = actor_id
    row.updated_at = utcnow()
