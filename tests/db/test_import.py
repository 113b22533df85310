"""Streaming import: upsert, validation report with line numbers, suppression, consent proof."""

from __future__ import annotations

import csv
import json
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from service.audience.importer import import_file
from service.audience.suppression import suppress
from service.errors import InvalidInput
from service.models import ConsentEvent, Subscriber

CSV_TEXT = """email,name,language,career_stage,topics,consent_date,consent_source,unused
anna@example.org,Anna,de,phd,lung;ai-ml,2025-03-01,form https://example.org/signup,x
BEN@Example.org,Ben,en,postdoc,,,,
not-an-address,Nobody,en,,,,,
"multi@example.org","Line
Break",en,,,,,
carol@example.org,Carol,fr,,,,,
dave@example.org,Dave,en,,,2025-01-01,,
anna@example.org,Anna B,de,phd,lung,2025-03-01,form https://example.org/signup,
"""


def _report(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_csv_import_reports_each_bad_row_with_its_line(session: Session, tmp_path: Path) -> None:
    """Valid rows land; invalid ones are reported by line and reason; proof confirms."""
    source = tmp_path / "people.csv"
    source.write_text(CSV_TEXT, encoding="utf-8")
    invitations: list[EmailMessage] = []
    result = import_file(session, path=source, invite=invitations.append, checkpoint=session.commit)
    session.commit()
    people = {s.email: s for s in session.exec(select(Subscriber))}
    assert set(people) == {"anna@example.org", "ben@example.org"}
    anna = people["anna@example.org"]
    assert anna.status == "confirmed" and anna.name == "Anna"  # the first row wins
    assert anna.attributes == {"career_stage": "phd", "topics": ["lung", "ai-ml"]}
    assert people["ben@example.org"].status == "unconfirmed"
    assert [m["To"] for m in invitations] == ["ben@example.org"]
    assert invitations[0]["Auto-Submitted"] == "auto-generated"
    reasons = {(r["line"], r["reason"].split(":")[0]) for r in _report(result.report_path)}
    assert reasons == {
        ("4", "invalid email"),
        ("5", "name"),
        ("7", "language"),
        ("8", "consent proof needs both consent_date and consent_source"),
        ("9", "duplicate"),
    }
    assert (result.rows, result.created, result.refused) == (7, 2, 5)
    proof = session.exec(select(ConsentEvent).where(ConsentEvent.event == "confirm")).one()
    assert proof.source == "form https://example.org/signup"
    assert proof.occurred_at.date().isoformat() == "2025-03-01" and proof.detail["line"] == 2


def test_F5_suppressed_addresses_are_refused_in_any_case(session: Session, tmp_path: Path) -> None:
    """STANDARDS F5: mixed-case variants of suppressed addresses are each rejected."""
    suppress(session, email="gone@example.org", reason="complaint")
    session.commit()
    source = tmp_path / "p.jsonl"
    lines = [
        {"email": "GONE@example.org", "consent_date": "2025-01-01", "consent_source": "x"},
        {"email": "Gone@EXAMPLE.ORG", "consent_date": "2025-01-01", "consent_source": "x"},
        {"email": "ok@example.org", "consent_date": "2025-01-01", "consent_source": "x"},
    ]
    source.write_text("\n".join(json.dumps(x) for x in lines) + "\n{broken\n", encoding="utf-8")
    result = import_file(session, path=source)
    session.commit()
    report = _report(result.report_path)
    assert [(r["line"], r["reason"]) for r in report[:2]] == [
        ("1", "suppressed"),
        ("2", "suppressed"),
    ]
    assert report[2]["line"] == "4" and report[2]["reason"].startswith("invalid JSON")
    assert [s.email for s in session.exec(select(Subscriber))] == ["ok@example.org"]


def test_dry_run_writes_nothing(session: Session, tmp_path: Path) -> None:
    """--dry-run reports the same counts and errors but leaves the database untouched."""
    source = tmp_path / "people.csv"
    source.write_text(CSV_TEXT, encoding="utf-8")
    result = import_file(session, path=source, dry_run=True, invite=lambda m: None)
    assert (result.created, result.refused, result.dry_run) == (2, 5, True)
    assert session.execute(sa.select(sa.func.count()).select_from(Subscriber)).scalar_one() == 0


def test_without_invitations_rows_need_proof(session: Session, tmp_path: Path) -> None:
    """Importing never confirms without proof: no sender means such rows are refused."""
    source = tmp_path / "p.csv"
    source.write_text("email\nx@example.org\n", encoding="utf-8")
    result = import_file(session, path=source)
    assert result.refused == 1 and result.reasons["no consent proof"] == 1


def test_reimport_updates_and_keeps_withdrawals(session: Session, tmp_path: Path) -> None:
    """Upsert by normalised address merges attributes; an unsubscribed person stays out."""
    first = tmp_path / "a.jsonl"
    first.write_text(
        json.dumps(
            {
                "email": "u@example.org",
                "city": "munich",
                "consent_date": "2025-01-01",
                "consent_source": "paper form",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    import_file(session, path=first)
    second = tmp_path / "b.jsonl"
    second.write_text(
        json.dumps({"email": "U@example.org", "topics": ["lung"]}) + "\n", encoding="utf-8"
    )
    result = import_file(session, path=second)
    session.commit()
    sub = session.exec(select(Subscriber)).one()
    assert result.updated == 1 and sub.attributes == {"city": "munich", "topics": ["lung"]}
    sub.status = "unsubscribed"
    session.commit()
    third = import_file(session, path=second)
    assert third.reasons["unsubscribed"] == 1


def test_broken_files_stop_with_a_clear_error(session: Session, tmp_path: Path) -> None:
    """Non-UTF-8 bytes, an oversized CSV field or an unknown format: a clear InvalidInput."""
    latin = tmp_path / "latin.csv"
    latin.write_bytes("email\nj\xf6rg@example.org\n".encode("latin-1"))
    with pytest.raises(InvalidInput, match="not UTF-8"):
        import_file(session, path=latin, invite=lambda m: None)
    huge = tmp_path / "huge.csv"
    huge.write_text('email,name\na@example.org,"' + "x" * 200_000 + '"\n', encoding="utf-8")
    with pytest.raises(InvalidInput, match="CSV line 2: field larger than field limit"):
        import_file(session, path=huge, invite=lambda m: None)
    xlsx = tmp_path / "people.xlsx"
    xlsx.write_bytes(b"PK")
    with pytest.raises(InvalidInput, match="unknown import format"):
        import_file(session, path=xlsx)


def test_D2_import_with_proof_subscribes_only_to_the_stated_lists(
    session: Session, tmp_path: Path
) -> None:
    """Consent per list: the proof row's lists (default list when none), a left list stays left."""
    from service.models import ListSubscription

    source = tmp_path / "lists.csv"
    source.write_text(
        "email,consent_date,consent_source,lists\n"
        "ecr.only@example.org,2025-03-01,paper form,ecr\n"
        "plain@example.org,2025-03-01,paper form,\n"
        "wrong@example.org,2025-03-01,paper form,partnership-news\n",
        encoding="utf-8",
    )
    result = import_file(session, path=source, checkpoint=session.commit)
    session.commit()
    people = {s.email: s.id for s in session.exec(select(Subscriber))}
    held = {
        (r.subscriber_id, r.list_slug, r.active) for r in session.exec(select(ListSubscription))
    }
    assert held == {
        (people["ecr.only@example.org"], "ecr", True),
        (people["plain@example.org"], "newsletter", True),
    }
    (refused,) = _report(result.report_path)
    assert refused["line"] == "4" and "unknown list 'partnership-news'" in refused["reason"]
    proofs = session.exec(select(ConsentEvent).where(ConsentEvent.event == "confirm")).all()
    assert {p.detail["lawful_basis"] for p in proofs} == {"consent"}
    assert sorted(p.detail["lists"] for p in proofs) == [["ecr"], ["newsletter"]]
