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


def test_D5_retention_command_also_expires_raw_inbound_mail(session: Session) -> None:
    """`newsdesk audience retention` clears stored bytes of handled mail past the period."""
    from datetime import timedelta

    from service.models import InboundMessage
    from service.models._common import utcnow
    from service.settings import get_settings

    old = utcnow() - timedelta(days=get_settings().inbound_raw_retention_days + 1)
    for status, received in (("processed", old), ("received", old), ("processed", utcnow())):
        session.add(
            InboundMessage(
                raw=b"From: a@example.org\r\n\r\nhi", envelope_from="a@example.org",
                status=status, received_at=received,
            )
        )  # fmt: skip
    session.commit()
    result = runner.invoke(audience_app, ["retention"])
    assert result.exit_code == 0 and "inbound_raw_expired: 1" in result.output, result.output
    session.expire_all()
    kept = [m.raw != b"" for m in session.exec(select(InboundMessage).order_by(InboundMessage.id))]
    assert kept == [False, True, True]  # awaiting processing and recent mail keep their bytes
