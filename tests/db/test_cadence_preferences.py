"""The preference centre's cadence per list: every issue, weekly or monthly digest; ledger."""

from __future__ import annotations

from sqlmodel import Session, select

from service.addressing.link_tokens import make_preferences
from service.models import AutomationEvent, ConsentEvent, ListSubscription
from tests.db.public_helpers import add_subscriber, make_client

FORM = {"lists": ["newsletter", "ecr"], "topics": ["lung"], "language": "en"}


def test_choosing_a_weekly_digest_is_recorded(session: Session) -> None:
    sub = add_subscriber(session, "c@x.org")
    url = f"/p/{make_preferences(sub.id)}"
    page = make_client().get(url).text
    assert '<option value="newsletter:issue" selected>Every issue</option>' in page
    data = {**FORM, "cadence": ["newsletter:weekly", "ecr:issue"]}
    response = make_client().post(url, data=data)
    assert response.status_code == 200
    assert '<option value="newsletter:weekly" selected>Weekly digest</option>' in response.text
    session.expire_all()
    assert session.get(ListSubscription, (sub.id, "newsletter")).cadence == "weekly"
    (event,) = session.exec(select(ConsentEvent).where(ConsentEvent.event == "preference_change"))
    assert event.detail == {"cadence": {"newsletter": ["issue", "weekly"]}}
    kinds = [e.kind for e in session.exec(select(AutomationEvent))]
    assert kinds == ["preferences_changed"]


def test_an_unknown_cadence_is_a_clear_error_and_changes_nothing(session: Session) -> None:
    sub = add_subscriber(session, "d@x.org")
    data = {**FORM, "cadence": ["newsletter:hourly"]}
    response = make_client().post(f"/p/{make_preferences(sub.id)}", data=data)
    assert response.status_code == 422 and "hourly" in response.text
    session.expire_all()
    held = session.get(ListSubscription, (sub.id, "newsletter"))
    assert held is None or held.cadence == "issue"  # the cadence held before, unchanged
