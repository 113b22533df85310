"""The README's first command: `newsdesk demo` on embedded defaults, checked at the Maildir."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from sqlmodel import Session, create_engine, select

from service.models import Campaign
from tests.integration.mailcheck import check_campaign_mail, dkim_txt, read_maildir

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_demo_sends_one_correct_message_per_eligible_subscriber(tmp_path: Path) -> None:
    var_dir = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    # Exactly the README's first command (./dev sets up .venv on first use, then runs the demo).
    result = subprocess.run(
        ["./dev", "demo", "--no-serve", "--var-dir", str(var_dir), "--subscribers", "150"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "captured mail (Maildir)" in result.stdout, result.stdout
    engine = create_engine(f"sqlite:///{var_dir}/newsdesk.sqlite3")
    with Session(engine) as session:
        campaign = session.exec(select(Campaign)).one()
        assert campaign.status == "sent"
        records = list((var_dir.parent / "dkim").glob("*._domainkey.*.txt"))
        check_campaign_mail(
            session,
            campaign_id=campaign.id,
            raws=read_maildir(var_dir / "maildir"),
            dkim_record=dkim_txt(records[0]),
        )
    engine.dispose()
