"""The `audience` CLI: import with report, live count, clear errors, GDPR commands."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import Session, select
from typer.testing import CliRunner

from service.cli.audience import audience_app
from service.models import Subscriber, Suppression

runner = CliRunner()


def test_import_count_export_erase(session: Session, tmp_path: Path) -> None:
    """A small round trip through the commands a comms person would use."""
    source = tmp_path / "p.csv"
    source.write_text(
        "Mail,stage,consent_date,consent_source\n"
        "a@example.org,phd,2025-01-01,form\nbad@@x,phd,2025-01-01,form\n",
        encoding="utf-8",
    )
    maps = ["--map", "Mail=email", "--map", "stage=career_stage"]
    dry = runner.invoke(audience_app, ["import", str(source), *maps, "--dry-run"])
    assert dry.exit_code == 1, dry.output  # a refused row: non-zero, for scripts
    assert "dry run" in dry.output and "invalid email" in dry.output
    assert session.exec(select(Subscriber)).first() is None
    real = runner.invoke(audience_app, ["import", str(source), *maps])
    assert real.exit_code == 1, real.output
    count = runner.invoke(
        audience_app, ["count", "--rule", '{"career_stage": ["phd"]}', "--sample", "5"]
    )
    assert (
        count.exit_code == 0 and "1 deliverable" in count.output and "a@example.org" in count.output
    )
    exported = runner.invoke(audience_app, ["export", "A@example.org"])
    assert json.loads(exported.output)["tables"]["subscriber"][0]["email"] == "a@example.org"
    assert runner.invoke(audience_app, ["erase", "a@example.org"]).exit_code == 1
    erased = runner.invoke(audience_app, ["erase", "a@example.org", "--yes"])
    assert erased.exit_code == 0, erased.output
    session.expire_all()
    assert session.exec(select(Suppression)).one().reason == "erased"


def test_bad_rule_is_one_clear_line(session: Session) -> None:
    """An invalid rule exits 1 with the path, no traceback."""
    result = runner.invoke(audience_app, ["count", "--rule", '{"attr": "carer_stage", "eq": "x"}'])
    assert result.exit_code == 1
    assert "rule.attr: unknown attribute 'carer_stage'" in result.output
    assert "Traceback" not in result.output
    missing = runner.invoke(audience_app, ["count", "--segment", "nope"])
    assert missing.exit_code == 1 and "no segment" in missing.output
