"""Roles and what each may do: ONE table; every route and service check asks it.

Actions are '<noun>.<verb>' strings. A route requires one with
`service.web.deps.require("campaign.schedule")`; a service function may call `ensure(...)`.
"""

from __future__ import annotations

from service.accounts.errors import PermissionDenied
from service.models.user import Role
from service.settings import get_settings

READ = {"dashboard.view", "announcement.read", "campaign.read", "report.view", "profile.edit"}
READ |= {"automation.read"}  # digest schedules, welcome series, partner feeds

ROLE_ACTIONS: dict[Role, frozenset[str]] = {
    Role.VIEWER: frozenset(READ),
    Role.COORDINATOR: frozenset(
        {"dashboard.view", "profile.edit", "inquiry.answer_own", "absence.manage_own"}
    ),
    Role.EDITOR: frozenset(
        READ
        | {
            "announcement.write",
            "announcement.submit",
            "campaign.write",
            "campaign.test_send",
            "audience.read",
            "segment.write",
            "automation.write",  # digest schedules, welcome series, partner feeds
        }
    ),
    Role.APPROVER: frozenset(
        READ
        | {"announcement.approve", "campaign.schedule", "campaign.test_send", "audience.read"}
        | {"inquiry.triage"}  # approvers own triage with the admins (the inbox issue)
    ),
}
ALL_ACTIONS: frozenset[str] = frozenset().union(*ROLE_ACTIONS.values()) | {
    "audience.write",  # import, GDPR erasure, suppression edits
    "inquiry.answer_all",
    "canned.manage",
    "user.manage",
    "settings.view",
    "webhook.manage",
    "brand.manage",  # logo, colours, masthead, footer links of editions and public pages
    "media.manage",  # the media library: upload images
}
ROLE_ACTIONS[Role.ADMIN] = ALL_ACTIONS


def allowed(role: str, action: str) -> bool:
    """True when `role` may perform `action` (unknown actions are refused, never guessed)."""
    if action not in ALL_ACTIONS:
        raise ValueError(f"unknown action {action!r}: add it to ROLE_ACTIONS")
    try:
        return action in ROLE_ACTIONS[Role(role)]
    except ValueError:
        return False


def ensure(role: str, action: str) -> None:
    """Raise PermissionDenied unless `role` may perform `action`."""
    if not allowed(role, action):
        raise PermissionDenied(action)


def four_eyes_blocks(*, approver_id: int | None, author_id: int | None) -> bool:
    """True when the four-eyes rule (setting, default on) forbids approving one's own work."""
    return get_settings().four_eyes and approver_id is not None and approver_id == author_id
