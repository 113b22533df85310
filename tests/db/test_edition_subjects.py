"""Subjects per edition (issue 14 item 6): each edition's subject names only what it holds.

On the demo data (the audit's campaign), through the services, the admin API, the CLI and the
newsroom over HTTP, on SQLite and PostgreSQL: generated subjects list each edition's own short
titles; the old fixed subject ("research stays, seed funding and the lung conference") is
refused at scheduling because editions lack those items; a subject written for one edition is
used for that edition only, and is linted the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from service.api.app import create_app
from service.campaigns.edition_subjects import matrix_subjects
from service.campaigns.editions import ensure_editions
from service.cli.edition import editions_app
from service.cli.support import USER_ERROR
from service.demo.content import CAMPAIGN
from service.demo.seed import seed
from service.models import Announcement, Campaign, Edition, User
from service.settings import get_settings
from tests.web.newsroom_client import person

OLD_SUBJECT = "Partnership news: research stays, seed funding and the lung conference"
LATER = (datetime.now(UTC) + timedelta(days=1)).isoformat()


@pytest.fixture
def demo(session: Session) -> Iterator[tuple[Session, int]]:
    summary = seed(session, secret=get_settings().secret_bytes, subscribers=120)
    session.commit()
    yield session, summary.campaign_id


@pytest.fixture
def api(demo: tuple[Session, int]) -> Iterator[TestClient]:
    with TestClient(create_app()) as client:
        yield client


def _by_id(session: Session) -> dict[int, Announcement]:
    return {a.id: a for a in session.exec(select(Announcement)) if a.id is not None}


def _short(a: Announcement, language: str) -> str:
    return (getattr(a, f"short_title_{language}") or a.short_title_en or "").casefold()


def test_each_edition_subject_names_only_its_own_announcements(demo: tuple[Session, int]) -> None:
    session, campaign_id = demo
    items = _by_id(session)
    rows = matrix_subjects(session, campaign_id=campaign_id)
    assert len(rows) >= 4 and len({r.subject for r in rows}) >= 4  # one subject per edition
    for row in rows:
        subject = row.subject.casefold()
        for aid, item in items.items():
            if aid not in row.announcement_ids:
                assert _short(item, row.language) not in subject, (row.key, row.subject)
        named = [aid for aid in row.announcement_ids[:3] if _short(items[aid], row.language)]
        assert all(_short(items[aid], row.language) in subject for aid in named), row.subject
    mou_only = next(r for r in rows if len(r.announcement_ids) == 1 and r.language == "de")
    assert mou_only.subject == "Neues aus der Partnerschaft: Absichtserklärung"
    # What fan-out stores (and the sender puts in the Subject header) is the same per edition.
    campaign = session.get(Campaign, campaign_id)
    assert campaign is not None
    ensure_editions(
        session, campaign=campaign, keys=tuple(r.key for r in rows), settings=get_settings()
    )
    stored = {e.key: e.subject for e in session.exec(select(Edition))}
    assert stored == {r.key: r.subject for r in rows}


def test_the_audits_fixed_subject_is_refused_at_scheduling(
    api: TestClient, demo: tuple[Session, int]
) -> None:
    _session, campaign_id = demo
    patched = api.patch(f"/api/campaigns/{campaign_id}", json={"subject_en": OLD_SUBJECT})
    assert patched.status_code == 200, patched.text
    refused = api.post(f"/api/campaigns/{campaign_id}/schedule", json={"send_at": LATER})
    assert refused.status_code == 422, refused.text
    detail = refused.json()["detail"]
    assert "subject-names" in detail and "'research stays'" in detail
    assert api.get(f"/api/campaigns/{campaign_id}").json()["status"] == "draft"
    report = api.get(f"/api/campaigns/{campaign_id}/lint", params={"lang": "de"}).json()
    assert report["ok"] is False
    group = next(g for g in report["groups"] if g["rule"] == "subject-names")
    assert group["tier"] == "blocks" and "Ausgabenmatrix" in group["advice"]
    # German stays generated, so no German edition is named in the findings.
    assert all(not e.startswith("Deutsch") for e in group["editions"]), group["editions"]
    restored = api.patch(
        f"/api/campaigns/{campaign_id}", json={"subject_en": CAMPAIGN["subject_en"]}
    )
    assert restored.status_code == 200
    scheduled = api.post(f"/api/campaigns/{campaign_id}/schedule", json={"send_at": LATER})
    assert scheduled.status_code == 200, scheduled.text


def test_a_subject_written_for_one_edition_via_the_api(
    api: TestClient, demo: tuple[Session, int]
) -> None:
    session, campaign_id = demo
    editions = api.get(f"/api/campaigns/{campaign_id}/editions").json()
    items = _by_id(session)
    stays = next(a for a in items.values() if a.slug == "research-stays")
    with_stays = next(
        e for e in editions if e["language"] == "en" and stays.id in e["announcement_ids"]
    )
    without = next(
        e for e in editions if e["language"] == "en" and stays.id not in e["announcement_ids"]
    )
    url = f"/api/campaigns/{campaign_id}/editions/{with_stays['key']}/subject"
    written = api.put(url, json={"subject": "Hello {{ first_name }}: research stays are open"})
    assert written.status_code == 200, written.text
    after = {e["key"]: e for e in api.get(f"/api/campaigns/{campaign_id}/editions").json()}
    assert after[with_stays["key"]]["written"] == "Hello {{ first_name }}: research stays are open"
    assert after[with_stays["key"]]["subject"] == "Hello {{ first_name }}: research stays are open"
    assert after[without["key"]]["written"] is None
    assert after[without["key"]]["subject"] == without["subject"]  # the others keep theirs
    assert api.get(f"/api/campaigns/{campaign_id}/lint").json()["ok"] is True
    # A subject promising research stays to readers whose edition lacks them blocks scheduling.
    bad = f"/api/campaigns/{campaign_id}/editions/{without['key']}/subject"
    assert api.put(bad, json={"subject": "Research stays: apply now"}).status_code == 200
    refused = api.post(f"/api/campaigns/{campaign_id}/schedule", json={"send_at": LATER})
    assert refused.status_code == 422, refused.text
    assert "subject-names" in refused.json()["detail"]
    assert "'Research stays: apply now'" in refused.json()["detail"]
    for broken, status in (("two\nlines", 422), ("{{ frist_name }}", 422), ("x" * 301, 422)):
        assert api.put(bad, json={"subject": broken}).status_code == status, broken
    nothing = f"/api/campaigns/{campaign_id}/editions/en:0/subject"
    assert api.put(nothing, json={"subject": "x"}).status_code == 422
    assert api.put(bad, json={"subject": ""}).status_code == 200  # back to the generated one
    ok = api.post(f"/api/campaigns/{campaign_id}/schedule", json={"send_at": LATER})
    assert ok.status_code == 200, ok.text


def test_cli_lists_and_writes_edition_subjects(demo: tuple[Session, int]) -> None:
    session, campaign_id = demo
    runner = CliRunner()
    rows = matrix_subjects(session, campaign_id=campaign_id)
    target = next(r for r in rows if r.language == "de")
    written = runner.invoke(
        editions_app,
        ["subject", str(campaign_id), target.key, "Neues für Sie: {{ announcements }}"],
    )
    assert written.exit_code == 0, written.output
    listed = runner.invoke(editions_app, ["subjects", str(campaign_id)])
    assert listed.exit_code == 0, listed.output
    assert "Neues für Sie:" in listed.output and target.key in listed.output
    session.expire_all()
    again = {r.key: r for r in matrix_subjects(session, campaign_id=campaign_id)}
    assert again[target.key].written == "Neues für Sie: {{ announcements }}"
    assert again[target.key].subject.startswith("Neues für Sie: Absichtserklärung")
    wrong = runner.invoke(editions_app, ["subject", str(campaign_id), "xx", "Hallo"])
    assert wrong.exit_code == USER_ERROR and "not an edition key" in wrong.output


def test_newsroom_matrix_writes_an_edition_subject_with_csrf_and_field_errors(
    demo: tuple[Session, int],
) -> None:
    session, campaign_id = demo
    editor = person(session, "editor")
    german = person(session, "editor", name="Redakteurin")
    user = session.get(User, german.id)
    assert user is not None
    user.language = "de"
    session.add(user)
    session.commit()
    page = editor.client.get(f"/newsroom/campaigns/{campaign_id}")
    assert page.status_code == 200
    row = next(r for r in matrix_subjects(session, campaign_id=campaign_id) if r.language == "de")
    name = row.field
    assert f'name="{name}"' in page.text and row.subject in page.text  # server-rendered matrix
    campaign = session.get(Campaign, campaign_id)
    assert campaign is not None
    form = {
        "name": campaign.name, "subject_de": campaign.subject_de,
        "subject_en": campaign.subject_en, "segments": ["everyone"], "timezone": "Europe/Berlin",
        "version": str(campaign.version), name: "Eine Ausgabe, ein Betreff",
    }  # fmt: skip
    no_csrf = editor.client.post(f"/newsroom/campaigns/{campaign_id}", data=form)
    assert no_csrf.status_code == 403
    broken = german.post(f"/newsroom/campaigns/{campaign_id}", {**form, name: "x" * 301})
    assert broken.status_code == 422 and "Verwenden Sie höchstens 300 Zeichen" in broken.text
    assert 'value="' + "x" * 301 + '"' in broken.text  # what was typed is kept
    saved = editor.post(f"/newsroom/campaigns/{campaign_id}", form)
    assert saved.status_code == 303, saved.text
    shown = editor.client.get(f"/newsroom/campaigns/{campaign_id}")
    assert "Eine Ausgabe, ein Betreff" in shown.text and "written for this edition" in shown.text
    session.expire_all()
    stored = session.get(Campaign, campaign_id)
    assert stored is not None and stored.edition_subjects == [
        {"language": "de", "announcement_ids": list(row.announcement_ids),
         "subject": "Eine Ausgabe, ein Betreff"}
    ]  # fmt: skip
    viewer = person(session, "viewer")
    refused = viewer.post(f"/newsroom/campaigns/{campaign_id}", {**form, name: "Viewer"})
    assert refused.status_code == 403
