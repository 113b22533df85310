"""Approval workflow: the state table, four-eyes, reject reasons, snapshots, stale writes, audit."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from service.audit import trail
from service.content import approval
from service.content.announcements import save_announcement
from service.domain.approval_states import ApprovalState
from service.errors import InvalidInput, InvalidTransition, NotAllowed, StaleWrite
from service.models import Announcement, Segment
from service.settings import reset_settings
from tests.db.newsroom_users import add_users

EDITOR, APPROVER, OTHER = 101, 202, 303


@pytest.fixture
def draft(session: Session) -> Announcement:
    add_users(session, EDITOR, APPROVER, OTHER)
    session.add(Segment(slug="everyone", name="Everyone", rule={"all": []}))
    session.flush()
    row = save_announcement(
        session,
        fields={"slug": "mou", "title_en": "MoU signed", "title_de": "Absichtserklärung"},
        segments=["everyone"],
        actor_id=EDITOR,
    )
    session.commit()
    return row


def _id(row: Announcement) -> int:
    assert row.id is not None
    return row.id


def test_new_announcement_is_a_draft_at_version_1(draft: Announcement) -> None:
    assert draft.approval == ApprovalState.DRAFT
    assert (draft.version, draft.created_by_id, draft.updated_by_id) == (1, EDITOR, EDITOR)


def test_draft_cannot_be_approved_before_it_is_submitted(
    session: Session, draft: Announcement
) -> None:
    with pytest.raises(InvalidTransition, match="allowed: edit, submit"):
        approval.approve(session, announcement_id=_id(draft), actor_id=APPROVER)


def test_four_eyes_refuses_author_and_last_editor(session: Session, draft: Announcement) -> None:
    approval.submit(session, announcement_id=_id(draft), actor_id=EDITOR)
    with pytest.raises(NotAllowed, match="you created this"):
        approval.approve(session, announcement_id=_id(draft), actor_id=EDITOR)
    # Another editor touches it while submitted: they may not approve either.
    save_announcement(
        session,
        fields={"title_en": "MoU signed!"},
        segments=None,
        announcement_id=_id(draft),
        actor_id=OTHER,
    )
    with pytest.raises(NotAllowed, match="edited this announcement last"):
        approval.approve(session, announcement_id=_id(draft), actor_id=OTHER)
    row = approval.approve(session, announcement_id=_id(draft), actor_id=APPROVER)
    assert row.approval == ApprovalState.APPROVED
    assert row.approved_by_id == APPROVER and row.updated_by_id == OTHER


def test_four_eyes_off_by_setting(
    session: Session, draft: Announcement, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSDESK_FOUR_EYES", "false")
    reset_settings()
    approval.submit(session, announcement_id=_id(draft), actor_id=EDITOR)
    assert approval.approve(session, announcement_id=_id(draft), actor_id=EDITOR).approval == (
        ApprovalState.APPROVED
    )


def test_reject_needs_reason_and_keeps_it(session: Session, draft: Announcement) -> None:
    approval.submit(session, announcement_id=_id(draft), actor_id=EDITOR)
    with pytest.raises(InvalidInput, match="reason"):
        approval.reject(session, announcement_id=_id(draft), actor_id=APPROVER, reason="  ")
    row = approval.reject(
        session, announcement_id=_id(draft), actor_id=APPROVER, reason="German title missing"
    )
    assert row.approval == ApprovalState.DRAFT and row.reject_reason == "German title missing"
    approval.submit(session, announcement_id=_id(draft), actor_id=EDITOR)
    assert row.reject_reason is None  # resubmitted: the old reason is answered


def test_editing_approved_returns_to_draft_and_diff_shows_the_change(
    session: Session, draft: Announcement
) -> None:
    approval.submit(session, announcement_id=_id(draft), actor_id=EDITOR)
    approval.approve(session, announcement_id=_id(draft), actor_id=APPROVER)
    assert approval.changes_since_approval(session, row=draft) == []
    row = save_announcement(
        session,
        fields={"body_en": "Signed in **Munich**.\nSecond line."},
        segments=None,
        announcement_id=_id(draft),
        actor_id=EDITOR,
    )
    assert row.approval == ApprovalState.DRAFT  # a changed approved text never reaches mail
    changes = approval.changes_since_approval(session, row=row)
    assert [c.field for c in changes] == ["body_en"]
    assert "+Signed in **Munich**." in changes[0].lines


def test_saving_without_a_change_keeps_approval_and_version(
    session: Session, draft: Announcement
) -> None:
    approval.submit(session, announcement_id=_id(draft), actor_id=EDITOR)
    approved = approval.approve(session, announcement_id=_id(draft), actor_id=APPROVER)
    version = approved.version
    row = save_announcement(
        session,
        fields={"title_en": "MoU signed"},
        segments=["everyone"],
        announcement_id=_id(draft),
        actor_id=EDITOR,
        version=version,
    )
    assert (row.approval, row.version) == (ApprovalState.APPROVED, version)


def test_stale_edit_and_stale_approve_are_refused(session: Session, draft: Announcement) -> None:
    save_announcement(
        session,
        fields={"title_en": "A"},
        segments=None,
        announcement_id=_id(draft),
        actor_id=OTHER,
        version=1,
    )
    session.commit()
    with pytest.raises(
        StaleWrite,
        match=r"changed by Olga Other at .* \(version 2; your form has version 1\); reload",
    ):
        save_announcement(
            session,
            fields={"title_en": "B"},
            segments=None,
            announcement_id=_id(draft),
            actor_id=EDITOR,
            version=1,
        )
    session.rollback()
    assert session.get(Announcement, _id(draft)).title_en == "A"  # type: ignore[union-attr]
    approval.submit(session, announcement_id=_id(draft), actor_id=EDITOR, version=2)
    with pytest.raises(StaleWrite):
        approval.approve(session, announcement_id=_id(draft), actor_id=APPROVER, version=2)


def test_every_step_is_in_the_audit_log(session: Session, draft: Announcement) -> None:
    approval.submit(session, announcement_id=_id(draft), actor_id=EDITOR)
    approval.reject(session, announcement_id=_id(draft), actor_id=APPROVER, reason="typo")
    approval.submit(session, announcement_id=_id(draft), actor_id=EDITOR)
    approval.approve(session, announcement_id=_id(draft), actor_id=APPROVER)
    approval.withdraw(session, announcement_id=_id(draft), actor_id=APPROVER)
    entries = [
        e for e, _ in reversed(trail(session, object_type="announcement", object_id=_id(draft)))
    ]
    assert [(e.action, e.actor_id) for e in entries] == [
        ("announcement.create", EDITOR),
        ("announcement.submit", EDITOR),
        ("announcement.reject", APPROVER),
        ("announcement.submit", EDITOR),
        ("announcement.approve", APPROVER),
        ("announcement.withdraw", APPROVER),
    ]
    assert entries[2].detail["reason"] == "typo"
