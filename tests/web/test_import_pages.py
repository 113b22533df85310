"""CSV import from the newsroom: upload, the job a worker runs (its function here; the browser
test runs a real worker), progress page, per-row error report; only admins may import."""

from __future__ import annotations

from sqlmodel import Session, select

from service.audience.import_jobs import run_job
from service.models import ImportJob, Subscriber
from tests.web.newsroom_client import person

CSV = (
    "email,name,language,consent_date,consent_source\n"
    "ada@example.org,Ada,en,2026-01-02,conference form\n"
    "not-an-address,Bad,de,2026-01-02,conference form\n"
    "bo@example.org,Bo,de,2026-01-02,conference form\n"
)


def test_upload_import_progress_and_error_report(session: Session) -> None:
    admin, editor = person(session, "admin"), person(session, "editor")
    files = {"file": ("people.csv", CSV.encode(), "text/csv")}
    assert (
        editor.client.post(
            "/newsroom/audience/import", data={"csrf_token": editor.csrf}, files=files
        ).status_code
        == 403
    )
    response = admin.client.post(
        "/newsroom/audience/import", data={"csrf_token": admin.csrf}, files=files
    )
    assert response.status_code == 303, response.text
    job_id = int(response.headers["location"].rsplit("/", 1)[1])
    queued = admin.client.get(f"/newsroom/audience/import/{job_id}")
    assert "queued" in queued.text and 'hx-trigger="every 1s"' in queued.text
    job = run_job(job_id)  # what the worker's task does
    assert job.status == "done" and job.result["created"] == 2 and job.result["refused"] == 1
    page = admin.client.get(f"/newsroom/audience/import/{job_id}/progress")
    assert 'data-figure="refused">1<' in page.text and "errors.csv" in page.text
    report = admin.client.get(f"/newsroom/audience/import/{job_id}/errors.csv")
    assert report.status_code == 200 and "not-an-address" in report.text
    session.expire_all()
    assert {s.email for s in session.exec(select(Subscriber))} == {
        "ada@example.org",
        "bo@example.org",
    }
    assert session.get(ImportJob, job_id).rows_done == 3  # type: ignore[union-attr]


def test_a_wrong_file_is_refused_with_a_message(session: Session) -> None:
    admin = person(session, "admin")
    files = {"file": ("people.xlsx", b"PK\x03\x04", "application/octet-stream")}
    response = admin.client.post(
        "/newsroom/audience/import", data={"csrf_token": admin.csrf}, files=files
    )
    assert response.status_code == 422 and "Choose a .csv or .jsonl file." in response.text
