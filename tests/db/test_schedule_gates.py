"""Scheduling refuses a campaign while the complaint rate of the last one is too high (F4)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from service.campaigns.authoring import schedule
from service.demo.seed import seed
from service.errors import InvalidInput
from service.settings import get_settings
from tests.db.test_complaint_rates import _campaign, _complaints


def test_a_campaign_with_complaints_at_the_block_rate_holds_the_next_one(session: Session) -> None:
    demo = seed(session, secret=get_settings().secret_bytes, subscribers=20)
    session.commit()
    previous = _campaign(session, delivered=1000)
    _complaints(session, previous, 3)  # 0.3%
    with pytest.raises(InvalidInput, match="complaint rate"):
        schedule(session, campaign_id=demo.campaign_id, send_at=None)


def test_a_clean_history_schedules(session: Session) -> None:
    demo = seed(session, secret=get_settings().secret_bytes, subscribers=20)
    session.commit()
    previous = _campaign(session, delivered=1000)
    _complaints(session, previous, 1)  # 0.1%: not above the warning rate
    assert schedule(session, campaign_id=demo.campaign_id, send_at=None).status == "scheduled"
