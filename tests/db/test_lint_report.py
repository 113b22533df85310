"""Lint a comms officer can act on: grouped by rule with counts and advice, trivia hidden.

Through the interfaces the team uses: the real `newsdesk edition lint` command (a subprocess)
and `GET /api/campaigns/{id}/lint` on the real app.
"""

from __future__ import annotations

import os
import subprocess
import sys

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.api.app import create_app
from service.demo.seed import seed
from service.models import Announcement, Campaign
from service.settings import get_settings


def _newsdesk(*args: str) -> subprocess.CompletedProcess[str]:
    code = "from service.cli import app; app()"
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120
    )


def _seeded(session: Session) -> int:
    seed(session, secret=get_settings().secret_bytes, subscribers=10)
    session.commit()
    campaign_id = session.exec(select(Campaign.id)).one()
    assert campaign_id is not None
    return campaign_id


def _spoil(session: Session) -> None:
    """An unknown merge tag (breaks the mail) and a 'hier' link (advice only)."""
    mou = session.exec(select(Announcement).where(Announcement.slug == "mou-signed")).one()
    mou.title_de = "Hallo {{ vorname }}: Absichtserklärung unterzeichnet"
    stays = session.exec(select(Announcement).where(Announcement.slug == "research-stays")).one()
    stays.body_en = "Apply [here](https://partnership.example.org/stays/apply)."
    session.add_all([mou, stays])
    session.commit()


def test_clean_demo_shows_nothing_to_do_and_hides_trivia(session: Session) -> None:
    campaign_id = _seeded(session)
    result = _newsdesk("edition", "lint", str(campaign_id))
    assert result.returncode == 0, result.stderr
    assert "nothing to fix" in result.stdout
    assert "client-support detail(s) hidden (nothing to do); --all shows them" in result.stdout
    everything = _newsdesk("edition", "lint", str(campaign_id), "--all")
    assert "client detail caniemail ×" in everything.stdout


def test_findings_grouped_with_advice_in_the_users_language(session: Session) -> None:
    campaign_id = _seeded(session)
    _spoil(session)
    result = _newsdesk("edition", "lint", str(campaign_id), "--ui", "de")
    assert result.returncode == 1  # the unknown placeholder would be sent literally
    out = result.stdout
    assert "BLOCKIERT DEN VERSAND merge-tag ×2" in out  # German "all" and "everyone" editions
    assert "Ein Platzhalter im Betreff oder in einem Titel ist unbekannt" in out
    assert "unknown placeholder {{ vorname }}" in out
    assert "Hinweis link-text ×1" in out and "Nennen Sie das Ziel" in out
    assert out.index("merge-tag") < out.index("link-text")  # what blocks comes first

    client = TestClient(create_app())
    report = client.get(f"/api/campaigns/{campaign_id}/lint", params={"lang": "en"}).json()
    assert report["ok"] is False and report["blocking"] == 2
    groups = {(g["rule"], g["tier"]): g for g in report["groups"]}
    assert groups[("merge-tag", "blocks")]["count"] == 2
    assert groups[("link-text", "advice")]["advice"].startswith('A link says only "here"')
    assert not any(tier == "trivia" for _, tier in groups) and report["hidden_trivia"] > 0
    full = client.get(f"/api/campaigns/{campaign_id}/lint", params={"all": "true"}).json()
    assert any(g["tier"] == "trivia" for g in full["groups"]) and full["hidden_trivia"] == 0


def test_advice_only_findings_do_not_block_scheduling(session: Session) -> None:
    campaign_id = _seeded(session)
    stays = session.exec(select(Announcement).where(Announcement.slug == "research-stays")).one()
    stays.body_en = "Apply [here](https://partnership.example.org/stays/apply)."
    session.add(stays)
    session.commit()
    result = _newsdesk("edition", "lint", str(campaign_id))
    assert result.returncode == 0, result.stdout
    assert "advice link-text ×1" in result.stdout
