"""`newsdesk campaign ...`: tables, user errors exit 1 (usage errors 2), confirmed cancels."""

from __future__ import annotations

from sqlmodel import Session
from typer.testing import CliRunner

from service.cli import app
from service.demo.seed import seed
from service.models import Campaign
from service.settings import get_settings

RUNNER = CliRunner(env={"COLUMNS": "200"})


def _demo(session: Session) -> int:
    campaign_id = seed(session, secret=get_settings().secret_bytes, subscribers=20).campaign_id
    session.commit()
    return campaign_id


def test_list_schedule_pause_and_cancel_with_confirmation(session: Session) -> None:
    campaign_id = _demo(session)
    listed = RUNNER.invoke(app, ["campaign", "list"])
    assert listed.exit_code == 0 and "Partnership newsletter (demo)" in listed.output
    scheduled = RUNNER.invoke(
        app, ["campaign", "schedule", str(campaign_id), "--at", "2031-03-02T09:30"]
    )
    assert scheduled.exit_code == 0, scheduled.output
    assert "2031-03-02 09:30 Europe/Berlin (08:30 UTC)" in scheduled.output
    paused = RUNNER.invoke(app, ["campaign", "pause", str(campaign_id)])
    assert paused.exit_code == 0, paused.output
    declined = RUNNER.invoke(app, ["campaign", "cancel", str(campaign_id)], input="n\n")
    assert declined.exit_code == 1
    session.expire_all()
    assert session.get(Campaign, campaign_id).status == "paused"
    cancelled = RUNNER.invoke(app, ["campaign", "cancel", str(campaign_id)], input="y\n")
    assert cancelled.exit_code == 0
    status = RUNNER.invoke(app, ["campaign", "status", str(campaign_id), "--no-follow"])
    assert status.exit_code == 0 and "cancelled" in status.output


def test_user_errors_exit_1_with_a_message(session: Session) -> None:
    campaign_id = _demo(session)
    past = RUNNER.invoke(
        app, ["campaign", "schedule", str(campaign_id), "--at", "2001-01-01T09:00"]
    )
    assert past.exit_code == 1 and "in the past" in past.output
    garbled = RUNNER.invoke(app, ["campaign", "schedule", str(campaign_id), "--at", "next tuesday"])
    assert garbled.exit_code == 1 and "not an ISO time" in garbled.output
    missing = RUNNER.invoke(app, ["campaign", "show", "9999"])
    assert missing.exit_code == 1 and "does not exist" in missing.output
    wrong_state = RUNNER.invoke(app, ["campaign", "resume", str(campaign_id)])
    assert wrong_state.exit_code == 1 and "cannot resume" in wrong_state.output


def test_status_says_when_no_worker_picked_a_due_campaign_up(session: Session) -> None:
    from datetime import timedelta

    from service.models._common import utcnow

    campaign_id = _demo(session)
    campaign = session.get(Campaign, campaign_id)
    campaign.status, campaign.send_at = "scheduled", utcnow() - timedelta(minutes=2)
    session.add(campaign)
    session.commit()
    status = RUNNER.invoke(app, ["campaign", "status", str(campaign_id), "--no-follow"])
    assert status.exit_code == 0, status.output
    assert "not started: no beat/worker has picked it up" in status.output, status.output
    campaign.send_at = utcnow()
    session.add(campaign)
    session.commit()
    fresh = RUNNER.invoke(app, ["campaign", "status", str(campaign_id), "--no-follow"])
    assert "picked it up" not in fresh.output


def test_usage_errors_exit_2(session: Session) -> None:
    not_a_number = RUNNER.invoke(app, ["campaign", "show", "seven"])
    assert not_a_number.exit_code == 2, not_a_number.output
    unknown = RUNNER.invoke(app, ["campaign", "list", "--colour"])
    assert unknown.exit_code == 2, unknown.output


def test_json_output_of_list_show_and_status(session: Session) -> None:
    import json

    campaign_id = _demo(session)
    listed = json.loads(RUNNER.invoke(app, ["campaign", "list", "--json"]).output)
    assert [row["id"] for row in listed] == [campaign_id] and listed[0]["status"] == "draft"
    shown = json.loads(RUNNER.invoke(app, ["campaign", "show", str(campaign_id), "--json"]).output)
    assert shown["id"] == campaign_id and "deliveries" in shown
    status = RUNNER.invoke(app, ["campaign", "status", str(campaign_id), "--json"])
    assert json.loads(status.output)["status"] == "draft", status.output
    report = RUNNER.invoke(app, ["report", "show", str(campaign_id), "--json"])
    assert json.loads(report.output)["campaign_id"] == campaign_id, report.output
    inquiries = json.loads(RUNNER.invoke(app, ["inbound", "inquiries", "--json"]).output)
    assert inquiries["inquiries"] == []
    assert json.loads(RUNNER.invoke(app, ["deadletter", "list", "--json"]).output) == []


def test_a_welcome_step_is_listed_as_an_automation_not_as_sending(session: Session) -> None:
    from service.automation import admin, welcome
    from service.models._common import utcnow

    series = admin.save_series(session, name="Welcome", list_slug="newsletter", language="en")
    assert series.id is not None
    admin.save_step(
        session, series_id=series.id, position=1, delay_minutes=0, subject="Hi", body=""
    )
    welcome.queue_due_steps(session, now=utcnow(), settings=get_settings())
    session.commit()
    listed = RUNNER.invoke(app, ["campaign", "list"])
    assert listed.exit_code == 0, listed.output
    (line,) = [x for x in listed.output.splitlines() if "Welcome: step 1" in x]
    assert "automation · welcome step" in line and "sending" not in line
    as_json = RUNNER.invoke(app, ["campaign", "list", "--json"])
    assert '"label": "automation · welcome step"' in as_json.output
