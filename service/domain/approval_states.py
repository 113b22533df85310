"""The announcement approval workflow: one transition table used by the API, CLI and web.

draft --submit--> submitted --approve--> approved
submitted --reject (with a reason)--> draft;  submitted|approved --withdraw--> draft
Editing is a transition too: a draft stays a draft, a submitted one stays submitted (the
approver then reviews the newer text), and an approved one returns to draft. Why draft and not
submitted: a half-finished change to approved text must neither reach an edition nor land in
the approver's queue before its author says it is ready; the approval snapshot is kept, so when
it is submitted again the approver sees exactly what changed since the last approval.
"""

from __future__ import annotations

from enum import StrEnum

from service.domain.transitions import TransitionTable
from service.models.announcement import ApprovalState

__all__ = ["APPROVAL_TRANSITIONS", "ApprovalAction", "ApprovalState", "next_approval"]


class ApprovalAction(StrEnum):
    """What people do to an announcement."""

    EDIT = "edit"
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"


S, A = ApprovalState, ApprovalAction

APPROVAL_TRANSITIONS: dict[tuple[ApprovalState, ApprovalAction], ApprovalState] = {
    (S.DRAFT, A.EDIT): S.DRAFT,
    (S.SUBMITTED, A.EDIT): S.SUBMITTED,
    (S.APPROVED, A.EDIT): S.DRAFT,
    (S.DRAFT, A.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, A.APPROVE): S.APPROVED,
    (S.SUBMITTED, A.REJECT): S.DRAFT,
    (S.SUBMITTED, A.WITHDRAW): S.DRAFT,
    (S.APPROVED, A.WITHDRAW): S.DRAFT,
}


APPROVAL = TransitionTable("an announcement", ApprovalState, APPROVAL_TRANSITIONS)


def next_approval(current: str, action: ApprovalAction) -> ApprovalState:
    """The state after `action`, or InvalidTransition naming what is allowed."""
    return APPROVAL.next(current, action)


def allowed_actions(current: str) -> list[ApprovalAction]:
    """Actions the table allows from `current` (for buttons; the server checks again)."""
    return APPROVAL.allowed(current)
