"""Audience import from the newsroom: upload, map the file's columns, a progress bar while a
worker imports, the per-row error report to download."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlmodel import col, select
from starlette.datastructures import UploadFile

from service.audience.import_jobs import (
    LAWFUL_BASES,
    create_job,
    get_job,
    mapping_step,
    start_job,
)
from service.errors import NewsdeskError, NotFound
from service.models import ImportJob, ImportStatus, User
from service.web.content_forms import PostedForm, form_state
from service.web.deps import CurrentLogin, DbSession, require
from service.web.forms import FormState
from service.web.templating import PREFIX, render, request_language
from workers.publish import import_subscribers

router = APIRouter()
Importer = Annotated[User, Depends(require("audience.write"))]


def _page(
    request: Request, db: DbSession, login: CurrentLogin, form: FormState, status: int = 200
) -> HTMLResponse:
    jobs = list(db.exec(select(ImportJob).order_by(col(ImportJob.id).desc()).limit(20)))
    return render(request, "audience/import.html", login=login, form=form, jobs=jobs, status=status)


@router.get("/audience/import", response_class=HTMLResponse)
def import_form(request: Request, db: DbSession, login: CurrentLogin, _u: Importer) -> HTMLResponse:
    """The upload form and the latest imports."""
    return _page(request, db, login, FormState())


@router.post("/audience/import")
async def upload(request: Request, login: CurrentLogin, _u: Importer) -> Response:
    """Store the file and a job, commit, then hand the job to a worker."""
    from service.db import session_scope

    form = await request.form()
    upload = form.get("file")
    invite = form.get("invite") == "on"
    data, name = b"", ""
    if isinstance(upload, UploadFile):  # starlette's class: what request.form() returns
        data, name = await upload.read(), upload.filename or ""
    try:
        with session_scope() as db:
            job = create_job(db, filename=name, data=data, invite=invite, actor_id=login.user.id)
            job_id = job.id
    except NewsdeskError as exc:
        with session_scope() as db:
            state = form_state(request_language(request, login), exc, {})
            return _page(request, db, login, state, status=422)
    return RedirectResponse(f"{PREFIX}/audience/import/{job_id}/map", status_code=303)


def _mapping_page(
    request: Request, db: DbSession, login: CurrentLogin, job: ImportJob, form: FormState,
    status: int = 200,
) -> HTMLResponse:  # fmt: skip
    shown, guessed = mapping_step(db, job=job)
    chosen = {h: form.values.get(f"map-{i}", guessed[h]) for i, h in enumerate(shown.headers)}
    return render(
        request, "audience/import_map.html", login=login, job=job, form=form, preview=shown,
        chosen=chosen, bases=LAWFUL_BASES, status=status,
    )  # fmt: skip


@router.get("/audience/import/{job_id:int}/map", response_class=HTMLResponse)
def mapping_form(
    request: Request, db: DbSession, login: CurrentLogin, _u: Importer, job_id: int
) -> Response:
    """The file's headers with sample rows and a field to choose for each."""
    job = get_job(db, job_id=job_id)
    if job.status != ImportStatus.MAPPING:
        return RedirectResponse(f"{PREFIX}/audience/import/{job_id}", status_code=303)
    return _mapping_page(request, db, login, job, FormState())


@router.post("/audience/import/{job_id:int}/map")
def map_and_start(
    request: Request, db: DbSession, login: CurrentLogin, _u: Importer, job_id: int,
    posted: PostedForm,
) -> Response:  # fmt: skip
    """Check the mapping, queue the job, commit, then hand it to a worker."""
    job = get_job(db, job_id=job_id)
    if job.status != ImportStatus.MAPPING:  # a second click: the import runs already
        return RedirectResponse(f"{PREFIX}/audience/import/{job_id}", status_code=303)
    headers = mapping_step(db, job=job)[0].headers
    mapping = {h: posted.get(f"map-{i}") for i, h in enumerate(headers)}
    try:
        start_job(
            db, job_id=job_id, mapping=mapping, consent_basis=posted.get("consent_basis"),
            consent_source=posted.get("consent_source"), actor_id=login.user.id,
        )  # fmt: skip
    except NewsdeskError as exc:
        state = form_state(request_language(request, login), exc, dict(posted.values))
        return _mapping_page(request, db, login, get_job(db, job_id=job_id), state, status=422)
    db.commit()
    import_subscribers(job_id)  # after the commit: the worker finds the job
    return RedirectResponse(f"{PREFIX}/audience/import/{job_id}", status_code=303)


@router.get("/audience/import/{job_id:int}", response_class=HTMLResponse)
def job_page(
    request: Request, db: DbSession, login: CurrentLogin, _u: Importer, job_id: int
) -> HTMLResponse:
    """One import with its live progress bar."""
    return render(request, "audience/import_job.html", login=login, job=get_job(db, job_id=job_id))


@router.get("/audience/import/{job_id:int}/progress", response_class=HTMLResponse)
def job_progress(
    request: Request, db: DbSession, login: CurrentLogin, _u: Importer, job_id: int
) -> HTMLResponse:
    """The fragment htmx polls until the import is done."""
    return render(
        request, "audience/_import_progress.html", login=login, job=get_job(db, job_id=job_id)
    )


@router.get("/audience/import/{job_id:int}/errors.csv")
def error_report(db: DbSession, _u: Importer, job_id: int) -> Response:
    """The per-row error report (line, email, reason)."""
    job = get_job(db, job_id=job_id)
    path = Path(job.report_path)
    if not path.exists():
        raise NotFound(f"import {job_id} has no error report yet")
    return FileResponse(path, media_type="text/csv", filename=f"import-{job_id}-errors.csv")
