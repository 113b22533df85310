"""Newsroom users with fixed ids for service tests (no password work: they never log in)."""

from __future__ import annotations

from sqlmodel import Session

from service.models import User

NAMES = {
    101: "Erika Editor",
    202: "Anton Approver",
    303: "Olga Other",
    7: "Sam",
    8: "Kim",
    9: "Lee",
}


def add_users(session: Session, *ids: int) -> None:
    """Create users with these ids (role editor; roles do not matter to service rules)."""
    for user_id in ids:
        session.add(
            User(
                id=user_id,
                email=f"user{user_id}@newsroom.example.org",
                display_name=NAMES.get(user_id, f"User {user_id}"),
                role="editor",
                password_hash="not-a-hash",
            )
        )
    session.flush()
