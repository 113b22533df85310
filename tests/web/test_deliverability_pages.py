"""The newsroom shows the sunset policy (settings page) and DMARC reports (reports page)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from service.settings import reset_settings
from tests.web.newsroom_client import person


def test_settings_page_shows_the_sunset_policy(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = person(session, "admin")
    page = admin.client.get("/newsroom/settings/system")
    assert page.status_code == 200 and 'id="sunset-settings"' in page.text
    assert "Off: nobody is asked or stopped." in page.text
    monkeypatch.setenv("NEWSDESK_SUNSET_ENABLED", "true")
    monkeypatch.setenv("NEWSDESK_SUNSET_AFTER_CAMPAIGNS", "7")
    reset_settings()
    page = admin.client.get("/newsroom/settings/system")
    assert "On: every day" in page.text and "<dd>7</dd>" in page.text
    viewer = person(session, "viewer")
    assert viewer.client.get("/newsroom/settings/system").status_code == 403


def test_reports_page_says_when_no_dmarc_report_arrived(session: Session) -> None:
    viewer = person(session, "viewer")
    page = viewer.client.get("/newsroom/reports")
    assert page.status_code == 200 and 'id="dmarc-sources"' in page.text
    assert "No DMARC aggregate report has been received yet." in page.text
