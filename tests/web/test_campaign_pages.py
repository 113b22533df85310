"""Campaign pages over HTTP: create with picks and live counts, confirm and schedule through
the state machine, stale and blocked scheduling with the reason, viewers refused, reports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from service.demo.seed import seed
from service.models import Announcement, Campaign
from service.settings import get_settings
from tests.web.newsroom_client import Person, person


@pytest.fixture
def demo(session: Session) -> Iterator[Session]:
    seed(session, secret=get_settings().secret_bytes, subscribers=60)
    session.commit()
    yield session


def _form(demo: Session, **extra: str | list[str]) -> dict[str, str | list[str]]:
    stays = demo.exec(select(Announcement).where(Announcement.slug == "research-stays")).one()
    return {
        "name": "Stays only",
        "subject_de": "Forschungsaufenthalte",
        "subject_en": "Research stays",
        "segments": ["early-career"],
        "announcements": [str(stays.id)],
        "timezone": "America/Chicago",
        "version": "",
        **extra,
    }


def _create(editor: Person, demo: Session) -> int:
    response = editor.post("/newsroom/campaigns/new", _form(demo))
    assert response.status_code == 303, response.text
    return int(response.headers["location"].split("/")[-1].split("?")[0])


def test_create_count_confirm_schedule_pause_cancel(demo: Session) -> None:
    editor, approver = person(demo, "editor"), person(demo, "approver")
    campaign_id = _create(editor, demo)
    page = editor.client.get(f"/newsroom/campaigns/{campaign_id}")
    assert page.status_code == 200 and "Stays only" in page.text
    counts = editor.post(
        "/newsroom/campaigns/counts",
        {**_form(demo), "campaign_id": str(campaign_id), "version": "1"},
    )
    assert (
        counts.status_code == 200
        and "Edition matrix" in counts.text
        and "research-stays" in counts.text
    )
    demo.expire_all()
    assert demo.get(Campaign, campaign_id).version == 1  # type: ignore[union-attr]  # counts saved nothing
    key = counts.text.split('data-edition="')[1].split('"')[0]
    preview = editor.client.get(f"/newsroom/campaigns/{campaign_id}/editions/{key}")
    assert preview.status_code == 200 and preview.headers["content-security-policy"] == "sandbox"
    confirm = approver.client.get(
        f"/newsroom/campaigns/{campaign_id}/confirm/schedule?send_at=2099-01-02T09:00&timezone=America/Chicago"
    )
    assert confirm.status_code == 200 and "Yes, schedule it" in confirm.text, confirm.text
    done = approver.post(
        f"/newsroom/campaigns/{campaign_id}/schedule",
        {"version": "1", "send_at": "2099-01-02T09:00", "timezone": "America/Chicago"},
    )
    assert done.status_code == 303, done.text
    demo.expire_all()
    campaign = demo.get(Campaign, campaign_id)
    assert (
        campaign is not None
        and campaign.status == "scheduled"
        and campaign.timezone == "America/Chicago"
    )
    assert campaign.send_at is not None and campaign.send_at.hour == 15  # 09:00 in Chicago
    assert (
        approver.post(
            f"/newsroom/campaigns/{campaign_id}/pause", {"version": str(campaign.version)}
        ).status_code
        == 303
    )
    stale = approver.post(
        f"/newsroom/campaigns/{campaign_id}/cancel", {"version": str(campaign.version)}
    )
    assert stale.status_code == 409 and "Someone else changed this meanwhile" in stale.text
    assert approver.client.get(f"/newsroom/campaigns/{campaign_id}/progress").status_code == 200


def test_lint_error_blocks_scheduling_with_the_reason_on_the_page(demo: Session) -> None:
    editor, approver = person(demo, "editor"), person(demo, "approver")
    stays = demo.exec(select(Announcement).where(Announcement.slug == "research-stays")).one()
    stays.title_en = "Research stays for {{ shoe_size }}"  # an unknown merge tag blocks
    demo.add(stays)
    demo.commit()
    campaign_id = _create(editor, demo)
    confirm = approver.client.get(f"/newsroom/campaigns/{campaign_id}/confirm/schedule")
    assert "This cannot be done now" in confirm.text and "merge-tag" in confirm.text
    assert "Yes, schedule it" not in confirm.text
    refused = approver.post(f"/newsroom/campaigns/{campaign_id}/schedule", {"version": "1"})
    assert refused.status_code == 422 and "cannot be scheduled" in refused.text
    demo.expire_all()
    assert demo.get(Campaign, campaign_id).status == "draft"  # type: ignore[union-attr]


def test_bad_input_is_explained_and_kept(demo: Session) -> None:
    editor = person(demo, "editor")
    bad = editor.post(
        "/newsroom/campaigns/new", _form(demo, name="", segments=[], timezone="Mars/Olympus")
    )
    assert bad.status_code == 422
    assert "This cannot be empty." in bad.text and "Choose at least one target segment." in bad.text
    assert 'value="Mars/Olympus"' in bad.text and 'value="Forschungsaufenthalte"' in bad.text


def test_viewer_and_editor_are_refused_what_their_role_lacks(demo: Session) -> None:
    editor, viewer = person(demo, "editor"), person(demo, "viewer")
    campaign_id = _create(editor, demo)
    assert viewer.client.get(f"/newsroom/campaigns/{campaign_id}").status_code == 200
    for path in (
        "new",
        f"{campaign_id}",
        "counts",
        f"{campaign_id}/schedule",
        f"{campaign_id}/cancel",
        f"{campaign_id}/test-send",
    ):
        assert (
            viewer.post(f"/newsroom/campaigns/{path}", {**_form(demo), "version": "1"}).status_code
            == 403
        ), path
    assert (
        editor.post(f"/newsroom/campaigns/{campaign_id}/schedule", {"version": "1"}).status_code
        == 403
    )
    assert viewer.client.get(f"/newsroom/campaigns/{campaign_id}/confirm/cancel").status_code == 403


def test_reports_render(demo: Session) -> None:
    viewer = person(demo, "viewer")
    campaign = demo.exec(select(Campaign)).first()
    assert campaign is not None
    assert viewer.client.get("/newsroom/reports").status_code == 200
    page = viewer.client.get(f"/newsroom/reports/campaigns/{campaign.id}")
    assert page.status_code == 200 and "Figures per edition" in page.text


def test_D1_newsroom_campaign_names_a_configured_list(demo: Session) -> None:
    """Consent is per list: the form offers the configured lists and refuses any other."""
    editor = person(demo, "editor")
    page = editor.client.get("/newsroom/campaigns/new")
    assert 'name="list_slug"' in page.text and 'value="ecr"' in page.text
    refused = editor.post("/newsroom/campaigns/new", _form(demo, list_slug="partnership-news"))
    assert refused.status_code == 422
    assert "Choose one of the configured mailing lists." in refused.text
    made = editor.post("/newsroom/campaigns/new", _form(demo, list_slug="ecr"))
    assert made.status_code == 303, made.text
    campaign_id = int(made.headers["location"].split("/")[-1].split("?")[0])
    demo.expire_all()
    campaign = demo.get(Campaign, campaign_id)
    assert campaign is not None
    assert (campaign.list_slug, campaign.list_name) == ("ecr", "Early-Career Researchers")
