"""Imports from the newsroom: store the upload, let a worker import it with progress, report.

The entry point stores the file and the job (create_job, status `mapping`); the user maps the
file's columns (mapping_step shows headers, a sample row and guesses; start_job checks and
queues), the entry point commits, then publishes the job id; the worker runs run_job, which
commits progress with each imported batch, so the page polling
the job sees rows and bytes move, and the per-row error report is downloadable at the end.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from pathlib import Path

from sqlmodel import Session, col, select

from service.accounts.errors import N_, FormProblem
from service.audience.import_mapping import Preview, check_mapping, guess, preview
from service.audience.importer import import_file
from service.audit import record
from service.db import session_scope
from service.errors import Explained, NotFound
from service.models import ImportJob, ImportStatus
from service.models._common import utcnow
from service.settings import get_settings

SUFFIXES = (".csv", ".jsonl")
MAX_BYTES = 200 * 1024 * 1024
LAWFUL_BASES = ("consent", "contract", "legitimate_interests")  # GDPR Art. 6(1) a, b, f


def create_job(
    session: Session, *, filename: str, data: bytes, invite: bool, actor_id: int | None
) -> ImportJob:
    """Store the upload under IMPORT_DIR and a queued job for it."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise FormProblem({"file": (N_("Choose a .csv or .jsonl file."), {})})
    if not data.strip():
        raise FormProblem({"file": (N_("The file is empty."), {})})
    if len(data) > MAX_BYTES:
        raise FormProblem({"file": (N_("The file is larger than 200 MB."), {})})
    folder = get_settings().import_dir.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{suffix}"
    path.write_bytes(data)
    job = ImportJob(
        filename=Path(filename).name[:255],
        path=str(path),
        report_path=f"{path}.errors.csv",
        invite=invite,
        status=ImportStatus.MAPPING,
        bytes_total=len(data),
        created_by_id=actor_id,
    )
    session.add(job)
    session.flush()
    assert job.id is not None
    record(
        session,
        actor_id=actor_id,
        action="audience.import",
        object_type="import_job",
        object_id=job.id,
        filename=job.filename,
    )
    return job


def get_job(session: Session, *, job_id: int) -> ImportJob:
    """The job or NotFound."""
    job = session.get(ImportJob, job_id)
    if job is None:
        raise NotFound(f"import {job_id} does not exist")
    return job


def remembered_mapping(session: Session) -> dict[str, str]:
    """Header -> field as the team last mapped it (newest import first)."""
    remembered: dict[str, str] = {}
    jobs = session.exec(
        select(ImportJob).where(col(ImportJob.status) != ImportStatus.MAPPING)
        .order_by(col(ImportJob.id).desc()).limit(50)
    )  # fmt: skip
    for job in jobs:
        for header, target in (job.mapping or {}).items():
            remembered.setdefault(str(header), str(target))
    return remembered


def mapping_step(session: Session, *, job: ImportJob) -> tuple[Preview, dict[str, str]]:
    """The file's headers with sample rows, and a proposed field for each header."""
    shown = preview(Path(job.path))
    return shown, guess(shown.headers, remembered=remembered_mapping(session))


def start_job(
    session: Session,
    *,
    job_id: int,
    mapping: dict[str, str],
    consent_basis: str = "",
    consent_source: str = "",
    actor_id: int | None,
) -> ImportJob:
    """Check the mapping (and a stated lawful basis), queue the job; the caller commits, then
    publishes it."""
    # locked and re-read: two clicks at once queue the import once
    job = session.get(ImportJob, job_id, with_for_update=True, populate_existing=True)
    if job is None:
        raise NotFound(f"import {job_id} does not exist")
    if job.status != ImportStatus.MAPPING:
        raise Explained(
            f"import {job_id} is already {job.status}", msgid=N_("This import has already started.")
        )
    clean = check_mapping(preview(Path(job.path)).headers, mapping)
    basis, source = consent_basis.strip(), consent_source.strip()
    if basis and basis not in LAWFUL_BASES:
        raise FormProblem({"consent_basis": (N_("Choose a lawful basis from the list."), {})})
    if bool(basis) != bool(source):
        raise FormProblem(
            {"consent_source": (N_("A lawful basis needs its source, and a source its basis."), {})}
        )
    job.mapping, job.status = clean, ImportStatus.QUEUED
    job.consent_basis, job.consent_source = basis or None, source[:255] or None
    session.add(job)
    record(
        session, actor_id=actor_id, action="audience.import_mapped", object_type="import_job",
        object_id=job_id, mapping=clean, consent_basis=job.consent_basis,
    )  # fmt: skip
    return job


def run_job(job_id: int) -> ImportJob:
    """Import the job's file (worker side): progress committed per batch, outcome recorded."""
    from service.mail.outbox import send_message

    with session_scope() as session:
        job = get_job(session, job_id=job_id)
        if job.status != ImportStatus.QUEUED:
            return job  # a redelivered message: the import already ran or runs
        job.status = ImportStatus.RUNNING
    with session_scope() as session:
        job = get_job(session, job_id=job_id)

        def progress(rows: int, bytes_read: int) -> None:
            job.rows_done, job.bytes_done = rows, bytes_read
            session.add(job)

        try:
            result = import_file(
                session,
                path=Path(job.path),
                report_path=Path(job.report_path),
                source=f"newsroom import {job.id}: {job.filename}",
                mapping=job.mapping or None,
                invite=send_message if job.invite else None,
                checkpoint=session.commit,
                on_progress=progress,
            )
        except Exception as exc:  # the page must say why; the task's dead letter keeps the rest
            session.rollback()
            job = get_job(session, job_id=job_id)
            job.status, job.error, job.finished_at = ImportStatus.FAILED, str(exc)[:2000], utcnow()
            return job
        summary = asdict(result)
        summary["reasons"] = dict(result.reasons)
        summary.pop("report_path", None)
        job.status, job.result, job.finished_at = ImportStatus.DONE, summary, utcnow()
        job.rows_done, job.bytes_done = result.rows, job.bytes_total
        return job
