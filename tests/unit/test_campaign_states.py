"""The campaign transition table is the only way states change."""

import pytest

from service.domain.campaign_states import (
    TRANSITIONS,
    CampaignAction,
    CampaignStatus,
    next_status,
    sources_of,
)
from service.errors import InvalidTransition


@pytest.mark.parametrize(("state", "action"), list(TRANSITIONS))
def test_every_listed_transition_is_allowed(state: CampaignStatus, action: CampaignAction) -> None:
    assert next_status(state.value, action) == TRANSITIONS[(state, action)]


def test_unlisted_transitions_are_refused_with_the_allowed_ones_named() -> None:
    with pytest.raises(InvalidTransition, match="cannot resume a campaign that is sent"):
        next_status("sent", CampaignAction.RESUME)
    with pytest.raises(InvalidTransition, match=r"allowed: cancel, resume$"):
        next_status("paused", CampaignAction.SCHEDULE)


def test_final_states_have_no_way_out() -> None:
    for final in (CampaignStatus.SENT, CampaignStatus.CANCELLED):
        assert not [a for (s, a) in TRANSITIONS if s == final]


def test_sources_of_start_is_only_scheduled() -> None:
    assert sources_of(CampaignAction.START) == ["scheduled"]
    assert set(sources_of(CampaignAction.CANCEL)) == {"draft", "scheduled", "sending", "paused"}
