"""The one role -> actions table: what each role may and may not do."""

from __future__ import annotations

import pytest

from service.accounts.errors import PermissionDenied
from service.accounts.permissions import (
    ALL_ACTIONS,
    ROLE_ACTIONS,
    allowed,
    ensure,
    four_eyes_blocks,
)
from service.models import Role
from service.settings import reset_settings

WRITES = {a for a in ALL_ACTIONS if a.split(".")[1] not in {"read", "view"} and a != "profile.edit"}


def test_every_role_has_an_entry_and_admin_has_everything() -> None:
    assert set(ROLE_ACTIONS) == set(Role)
    assert ROLE_ACTIONS[Role.ADMIN] == ALL_ACTIONS


def test_viewer_may_read_reports_but_change_nothing() -> None:
    assert allowed("viewer", "report.view") and allowed("viewer", "dashboard.view")
    assert not any(allowed("viewer", action) for action in WRITES)


def test_editor_writes_approver_approves_and_schedules() -> None:
    assert allowed("editor", "announcement.write") and not allowed("editor", "announcement.approve")
    assert not allowed("editor", "campaign.schedule")
    assert allowed("approver", "announcement.approve") and allowed("approver", "campaign.schedule")
    assert not allowed("approver", "announcement.write")


def test_coordinator_answers_only_their_own_inquiries() -> None:
    assert allowed("coordinator", "inquiry.answer_own")
    assert not allowed("coordinator", "inquiry.answer_all") and not allowed(
        "coordinator", "report.view"
    )


def test_only_admins_manage_users_and_settings() -> None:
    for role in Role:
        assert allowed(role, "user.manage") == (role == Role.ADMIN)
        assert allowed(role, "settings.view") == (role == Role.ADMIN)


def test_unknown_actions_and_roles() -> None:
    with pytest.raises(ValueError):
        allowed("admin", "campaign.launch_missiles")
    assert not allowed("root", "report.view")
    with pytest.raises(PermissionDenied):
        ensure("viewer", "campaign.write")


def test_four_eyes_is_on_by_default_and_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    reset_settings()
    assert four_eyes_blocks(approver_id=3, author_id=3)
    assert not four_eyes_blocks(approver_id=3, author_id=4)
    monkeypatch.setenv("NEWSDESK_FOUR_EYES", "false")
    reset_settings()
    assert not four_eyes_blocks(approver_id=3, author_id=3)
    reset_settings()
