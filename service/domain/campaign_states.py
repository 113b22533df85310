"""The campaign state machine: one transition table that API, CLI and tasks all go through."""

from __future__ import annotations

from enum import StrEnum

from service.domain.transitions import TransitionTable
from service.models.campaign import CampaignStatus


class CampaignAction(StrEnum):
    """What can happen to a campaign."""

    SCHEDULE = "schedule"
    UNSCHEDULE = "unschedule"
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    FINISH = "finish"
    CANCEL = "cancel"


S, A = CampaignStatus, CampaignAction

TRANSITIONS: dict[tuple[CampaignStatus, CampaignAction], CampaignStatus] = {
    (S.DRAFT, A.SCHEDULE): S.SCHEDULED,
    (S.SCHEDULED, A.UNSCHEDULE): S.DRAFT,
    (S.SCHEDULED, A.START): S.SENDING,
    (S.SENDING, A.PAUSE): S.PAUSED,
    (S.SCHEDULED, A.PAUSE): S.PAUSED,
    (S.PAUSED, A.RESUME): S.SENDING,
    (S.SENDING, A.FINISH): S.SENT,
    (S.DRAFT, A.CANCEL): S.CANCELLED,
    (S.SCHEDULED, A.CANCEL): S.CANCELLED,
    (S.SENDING, A.CANCEL): S.CANCELLED,
    (S.PAUSED, A.CANCEL): S.CANCELLED,
}


CAMPAIGN = TransitionTable("a campaign", CampaignStatus, TRANSITIONS)


def next_status(current: str, action: CampaignAction) -> CampaignStatus:
    """The state after `action`, or InvalidTransition naming what is allowed."""
    return CAMPAIGN.next(current, action)


def sources_of(action: CampaignAction) -> list[str]:
    """States from which `action` is allowed (for atomic UPDATE ... WHERE status IN (...))."""
    return CAMPAIGN.sources(action)
