"""A messy real-world export through `newsdesk audience import`: the report matches a file.

The file (tests/fixtures/import/messy_export.csv) has a BOM, semicolons, CRLF, German headers
mapped with --map, a quoted newline, a mixed-case duplicate, an invalid address, a blank row, a
row without proof, an unknown language and an unterminated quote followed by good rows. Two of
its people exist already: one chose her language herself in the preference centre (kept unless
--overwrite), one matches the file exactly (unchanged).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlmodel import Session, select

from service.audience import preferences
from service.domain.addresses import email_hash
from service.models import Subscriber
from tests.conftest import TEST_SECRET

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "import"
MAPPING = (
    "E-Mail=email,Vorname=first_name,Nachname=last_name,Sprache=language,"
    "Karrierestufe=career_stage,Themen=topics,Notiz=,Einwilligung am=consent_date,"
    "Einwilligung über=consent_source"
)


def _person(session: Session, email: str, name: str, language: str, **attributes: object) -> None:
    sub = Subscriber(
        email=email, email_hash=email_hash(email, TEST_SECRET.encode()), name=name,
        language=language, status="confirmed", attributes=attributes,
    )  # fmt: skip
    session.add(sub)
    session.commit()


def _import(tmp_path: Path, *flags: str) -> tuple[int, str]:
    source = tmp_path / "messy_export.csv"
    source.write_bytes((FIXTURES / "messy_export.csv").read_bytes())
    report = tmp_path / "report.csv"
    code = "from service.cli import app; app()"
    args = ["audience", "import", str(source), "--map", MAPPING, "--report", str(report), *flags]
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    lines = done.stdout.splitlines()
    summary = [x for x in lines if x.strip() and not x.startswith("error report")]
    errors = report.read_text(encoding="utf-8").replace("\r\n", "\n")  # csv writes CRLF
    return done.returncode, "\n".join(summary) + "\n\n" + errors


def test_messy_export_report_matches_expectation(session: Session, tmp_path: Path) -> None:
    _person(session, "tom.lee@example.org", "Tom Lee", "en", career_stage="staff")
    _person(session, "frank.huber@example.de", "Frank Huber", "de", career_stage="phd",
            topics=["lung"])  # fmt: skip
    _person(session, "maria.kowalski@example.de", "Maria Kowalski", "en",
            career_stage="clinician", topics=["lung"])  # fmt: skip
    maria = session.exec(select(Subscriber).where(Subscriber.name == "Maria Kowalski")).one()
    preferences.update(
        session,
        subscriber=maria,
        lists=set(),
        topics={"lung"},
        language="de",
        tracking_consent=False,
        ip=None,
    )  # fmt: skip  (the preference centre's own service call: she chose German)
    session.commit()

    code, report = _import(tmp_path)
    assert code == 1  # refusals give a non-zero exit code
    expected = (FIXTURES / "messy_export.expected.txt").read_text(encoding="utf-8")
    assert report == expected

    session.expire_all()
    people = {s.email: s for s in session.exec(select(Subscriber))}
    assert people["maria.kowalski@example.de"].language == "de"  # her own choice stays
    assert people["ben.miller@chicago.example.edu"].name == "Ben Miller"  # first row wins
    assert people["juergen.weiss@helmholtz.example.de"].name == "Jürgen Weiß"
    assert people["anna.schmidt@lmu.example.de"].attributes["topics"] == ["lung", "ai-ml"]
    assert people["frank.huber@example.de"].attributes["career_stage"] == "postdoc"
    assert "gina.rossi@example.it" in people  # a good row after the broken quote is not lost

    again, second = _import(tmp_path)
    assert again == 1 and "rows 12 = created 0 + updated 0 + unchanged 7 + refused 5" in second
    forced, third = _import(tmp_path, "--overwrite")
    assert forced == 1
    assert "rows 12 = created 0 + updated 1 + unchanged 6 + refused 5" in third
    session.expire_all()
    assert (
        session.exec(
            select(Subscriber.language).where(Subscriber.email == "maria.kowalski@example.de")
        ).one()
        == "en"
    )
