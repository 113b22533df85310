"""`edition` CLI: preview writes HTML and shows lint, lint gates with its exit code."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select
from typer.testing import CliRunner

from service.cli.edition import editions_app
from service.demo.seed import seed
from service.models import Announcement, Subscriber, SubscriberStatus
from service.settings import get_settings

runner = CliRunner()


def _seeded(session: Session) -> int:
    summary = seed(session, secret=get_settings().secret_bytes, subscribers=20)
    session.commit()
    return summary.campaign_id


def test_preview_writes_html_and_prints_the_lint_table(session: Session, tmp_path: Path) -> None:
    campaign_id = _seeded(session)
    out = tmp_path / "early.html"
    result = runner.invoke(
        editions_app,
        [
            "preview",
            str(campaign_id),
            "--segment",
            "early-career",
            "--lang",
            "de",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert 'lang="de"' in html
    assert "Forschungsaufenthalte an der Medical School in Chicago" in html
    assert "NDPH" not in html
    assert "lint: campaign" in result.output and "warning" in result.output


def test_preview_for_one_subscriber(session: Session, tmp_path: Path) -> None:
    campaign_id = _seeded(session)
    reader = session.exec(
        select(Subscriber).where(Subscriber.status == SubscriberStatus.CONFIRMED)
    ).first()
    assert reader is not None
    out = tmp_path / "reader.html"
    result = runner.invoke(
        editions_app,
        ["preview", str(campaign_id), "--subscriber", str(reader.id), "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert f'lang="{reader.language}"' in html
    assert (reader.name or "").split()[0] in html


def test_lint_exit_code_gates(session: Session) -> None:
    campaign_id = _seeded(session)
    clean = runner.invoke(editions_app, ["lint", str(campaign_id)])
    assert clean.exit_code == 0, clean.output
    assert "4 edition(s) checked, 0 finding(s) block sending" in clean.output
    row = session.exec(select(Announcement).where(Announcement.slug == "mou-signed")).one()
    row.body_de = "\n\n".join("Absatz " + "Lungenatlas " * 100 for _ in range(120))
    session.add(row)
    session.commit()
    failing = runner.invoke(editions_app, ["lint", str(campaign_id)])
    assert failing.exit_code == 1
    assert "BLOCKS SENDING size ×" in failing.output


def test_unknown_campaign_is_a_clear_error(session: Session) -> None:
    _seeded(session)
    result = runner.invoke(editions_app, ["lint", "999"])
    assert result.exit_code == 1
    assert "campaign 999 does not exist" in result.output
    bad_lang = runner.invoke(editions_app, ["preview", "1", "--lang", "fr"])
    assert bad_lang.exit_code == 1
