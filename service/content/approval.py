"""Approval of announcements: submit, approve (four-eyes), reject with a reason, withdraw.

Every step goes through the transition table in service.domain.approval_states and is written to
the audit log; approving stores a snapshot of the content so the next approver sees a diff.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from service.accounts.errors import N_, field_problem
from service.audit import record
from service.content.snapshot import content_snapshot
from service.domain.approval_states import ApprovalAction, next_approval
from service.errors import InvalidInput, NotAllowed, NotFound
from service.models import Announcement
from service.models._common import utcnow
from service.settings import get_settings
from service.versioning import bump, ensure_current


@dataclass(frozen=True)
class FieldChange:
    """One field that differs from the approved snapshot; `lines` is a unified diff."""

    field: str
    before: str
    after: str
    lines: tuple[str, ...]


def load(session: Session, *, announcement_id: int, lock: bool = True) -> Announcement:
    """An announcement (row-locked for a state change) or NotFound."""
    row = session.get(Announcement, announcement_id, with_for_update=lock or None)
    if row is None:
        raise NotFound(f"announcement {announcement_id} does not exist")
    return row


CREATED = N_("Four-eyes rule: you created this announcement, so another approver must approve it.")
EDITED = N_(
    "Four-eyes rule: you edited this announcement last, so another approver must approve it."
)


def four_eyes_refusal(row: Announcement, *, actor_id: int | None) -> str | None:
    """Why `actor_id` may not approve `row` under four-eyes (an English msgid), or None."""
    if not get_settings().four_eyes or actor_id is None:
        return None  # None: the system or the shared admin token, not a person
    if actor_id == row.created_by_id:
        return CREATED
    if actor_id == row.updated_by_id:
        return EDITED
    return None


def _step(
    session: Session,
    *,
    announcement_id: int,
    action: ApprovalAction,
    actor_id: int | None,
    version: int | None,
    detail: dict[str, Any] | None = None,
) -> Announcement:
    row = load(session, announcement_id=announcement_id)
    ensure_current(session, row=row, expected=version, kind="announcement")
    row.approval = next_approval(row.approval, action)
    if action is ApprovalAction.APPROVE:
        # Approval is a write (a stale approve form is refused) but not an edit: the last
        # editor stays who they were, so four-eyes keeps meaning "the author".
        row.version += 1
    else:
        bump(row, actor_id=actor_id)
    assert row.id is not None
    record(
        session,
        actor_id=actor_id,
        action=f"announcement.{action.value}",
        object_type="announcement",
        object_id=row.id,
        state=row.approval,
        **(detail or {}),
    )
    return row


def submit(
    session: Session, *, announcement_id: int, actor_id: int | None, version: int | None = None
) -> Announcement:
    """Ask for approval; needs a title in at least one language."""
    row = load(session, announcement_id=announcement_id)
    if not (row.title_en or row.title_de):
        raise InvalidInput(f"announcement {announcement_id} has no title and cannot be submitted")
    row = _step(
        session,
        announcement_id=announcement_id,
        action=ApprovalAction.SUBMIT,
        actor_id=actor_id,
        version=version,
    )
    row.submitted_by_id, row.reject_reason = actor_id, None
    session.flush()
    return row


def approve(
    session: Session, *, announcement_id: int, actor_id: int | None, version: int | None = None
) -> Announcement:
    """Approve a submitted announcement; four-eyes refuses its author and last editor."""
    row = load(session, announcement_id=announcement_id)
    refusal = four_eyes_refusal(row, actor_id=actor_id)
    if refusal:
        raise NotAllowed(refusal, msgid=refusal)
    if not (row.title_en or row.title_de):
        raise InvalidInput(f"announcement {announcement_id} has no title and cannot be approved")
    changes = [c.field for c in changes_since_approval(session, row=row)]
    row = _step(
        session,
        announcement_id=announcement_id,
        action=ApprovalAction.APPROVE,
        actor_id=actor_id,
        version=version,
        detail={"changed": changes},
    )
    row.approved_by_id, row.approved_at = actor_id, utcnow()
    row.approved_snapshot = content_snapshot(session, row=row)
    session.flush()
    return row


def reject(
    session: Session,
    *,
    announcement_id: int,
    actor_id: int | None,
    reason: str,
    version: int | None = None,
) -> Announcement:
    """Send a submitted announcement back to draft with the approver's reason."""
    if not reason.strip():
        raise field_problem("reason", N_("Give a reason the author can act on."))
    row = _step(
        session,
        announcement_id=announcement_id,
        action=ApprovalAction.REJECT,
        actor_id=actor_id,
        version=version,
        detail={"reason": reason.strip()},
    )
    row.reject_reason = reason.strip()
    session.flush()
    return row


def withdraw(
    session: Session, *, announcement_id: int, actor_id: int | None, version: int | None = None
) -> Announcement:
    """Take a submitted or approved announcement back to draft (editions not yet rendered)."""
    return _step(
        session,
        announcement_id=announcement_id,
        action=ApprovalAction.WITHDRAW,
        actor_id=actor_id,
        version=version,
    )


def changes_since_approval(session: Session, *, row: Announcement) -> list[FieldChange]:
    """Fields that differ from the last approved snapshot (all non-empty ones if never approved)."""
    before = row.approved_snapshot or {}
    after = content_snapshot(session, row=row)
    changes = []
    for field, new in after.items():
        old = before.get(field, "")
        if old == new:
            continue
        lines = difflib.unified_diff(
            str(old).splitlines(), str(new).splitlines(), "approved", "now", lineterm=""
        )
        changes.append(FieldChange(field, str(old), str(new), tuple(lines)[2:]))
    return changes
