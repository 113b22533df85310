"""Coordinators: who replies are routed to; their address is checked like a reader's."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from service.domain.addresses import normalise_email
from service.errors import InvalidInput
from service.models import Coordinator


def checked_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Coordinator fields with the address validated and normalised, the language de or en."""
    out = dict(data)
    if "email" in out:
        if not isinstance(out["email"], str):
            raise InvalidInput("email: expected an e-mail address")
        try:
            out["email"] = normalise_email(out["email"])
        except InvalidInput as exc:
            raise InvalidInput(f"coordinator {exc}") from None
    if "language" in out and out["language"] not in ("de", "en"):
        raise InvalidInput(f"language: expected de or en, got {out['language']!r}")
    if "name" in out and not str(out["name"] or "").strip():
        raise InvalidInput("name: a coordinator needs a name")
    return out


def add_coordinator(
    session: Session, *, name: str, email: str, office: str = "", language: str = "en"
) -> Coordinator:
    """Create a coordinator after checking the fields (flushes, the caller commits)."""
    fields = checked_fields({"name": name, "email": email, "office": office, "language": language})
    row = Coordinator(**fields)
    session.add(row)
    session.flush()
    return row


def list_coordinators(session: Session) -> list[Coordinator]:
    """Every coordinator by id."""
    return list(session.exec(select(Coordinator).order_by(col(Coordinator.id))))
