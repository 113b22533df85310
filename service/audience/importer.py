"""Streaming import of subscribers from CSV / JSON Lines: upsert by normalised address.

Memory stays flat: rows are read, checked and written in batches with set-based statements
(one query for suppression, one for existing rows, one multi-row INSERT ... RETURNING, one
executemany UPDATE, one ledger INSERT per batch). Importing never confirms anybody without proof:
a row carries consent_date + consent_source (recorded in the ledger as the confirmation), or the
person gets a double opt-in invitation and stays unconfirmed. Refused rows go to a CSV report
(line, email, reason); suppressed addresses are refused with reason `suppressed`.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from itertools import islice
from pathlib import Path
from typing import IO

from sqlmodel import Session

from service.audience import import_write
from service.audience.doi_mail import build_confirmation
from service.audience.import_rows import ImportRow, RawRow, RowError, make_mapper, open_rows
from service.audience.prefetch import prefetch
from service.domain.csv_safety import safe_row
from service.models._common import utcnow
from service.models.subscriber import Subscriber
from service.settings import get_settings


@dataclass
class ImportResult:
    """Counts of what happened (or, in a dry run, would happen)."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_choices: int = 0  # rows where a subscriber's own choice was kept (see --overwrite)
    confirmed_with_proof: int = 0
    invited: int = 0
    refused: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    report_path: Path | None = None
    dry_run: bool = False


class _Report:
    """The per-row error report: CSV with line, email, reason."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: IO[str] = path.open("w", newline="", encoding="utf-8")
        self.writer = csv.writer(self.handle)
        self.writer.writerow(["line", "email", "reason"])

    def add(self, result: ImportResult, line: int, email: str, reason: str) -> None:
        self.writer.writerow(safe_row([line, email, reason]))  # no formulas from the file
        result.refused += 1
        result.reasons[reason.split(":", 1)[0]] += 1

    def close(self) -> None:
        self.handle.close()


def import_file(
    session: Session,
    *,
    path: Path,
    source: str | None = None,
    report_path: Path | None = None,
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    overwrite: bool = False,
    invite: Callable[[EmailMessage], None] | None = None,
    checkpoint: Callable[[], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    batch_size: int | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Import `path`; rows without consent proof need `invite` (sends the DOI request).

    `checkpoint` (e.g. session.commit) runs after each batch and before its invitations go out;
    `on_progress(rows, bytes_read)` drives a progress bar. A reader thread parses and validates
    the next batch while this thread writes the current one; only this thread uses `session`.
    """
    now = now or utcnow()
    report_path = report_path or path.with_name(path.name + ".errors.csv")
    result = ImportResult(report_path=report_path, dry_run=dry_run)
    ctx = import_write.BatchContext(
        source=source or f"import:{path.name}",
        now=now,
        dry_run=dry_run,
        can_invite=invite is not None,
        overwrite=overwrite,
    )
    check = make_mapper(mapping)
    report = _Report(report_path)
    size = batch_size or get_settings().import_batch_size
    try:
        with path.open("rb") as handle:
            prepared = (
                (*_checked(batch, check), handle.tell())
                for batch in _batched(open_rows(path, handle), size)
            )
            for good, problems, rows, position in prefetch(prepared, name="import-reader"):
                result.rows += rows
                written = import_write.write_batch(session, good, ctx)
                for line, email, reason in sorted(problems + written.refused):
                    report.add(result, line, email, reason)
                _count(result, written)
                if checkpoint is not None and not dry_run:
                    checkpoint()
                if invite is not None and not dry_run:
                    _send_invitations(written.invitations, invite, now)
                if on_progress is not None:
                    on_progress(result.rows, position)
    finally:
        report.close()
    return result


def _checked(
    batch: list[RawRow], check: Callable[[RawRow], ImportRow]
) -> tuple[list[ImportRow], list[tuple[int, str, str]], int]:
    """Rows that passed validation, (line, email, reason) for the others, and the row count."""
    good: list[ImportRow] = []
    problems: list[tuple[int, str, str]] = []
    for raw in batch:
        try:
            good.append(check(raw))
        except RowError as exc:
            problems.append((raw[0], exc.email, str(exc)))
    return good, problems, len(batch)


def _count(result: ImportResult, written: import_write.BatchOutcome) -> None:
    result.created += written.created
    result.updated += written.updated
    result.unchanged += written.unchanged
    result.kept_choices += written.kept
    result.confirmed_with_proof += written.confirmed
    result.invited += len(written.invitations)


def _send_invitations(
    people: Iterable[tuple[int, str, str]], invite: Callable[[EmailMessage], None], now: datetime
) -> None:
    """Build and hand over one confirmation request per invited person."""
    for subscriber_id, email, language in people:
        person = Subscriber(id=subscriber_id, email=email, email_hash="", language=language)
        invite(build_confirmation(person, now=now))


def _batched(rows: Iterator[RawRow], size: int) -> Iterator[list[RawRow]]:
    """Consecutive lists of at most `size` rows."""
    while batch := list(islice(rows, size)):
        yield batch
