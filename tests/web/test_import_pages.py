"""CSV import from the newsroom: upload, the column-mapping step, the job a worker runs (its
function here; the browser test runs a real worker), progress page, per-row error report; only
admins may import."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from service.audience.import_jobs import run_job
from service.models import ImportJob, Subscriber, User
from tests.web.newsroom_client import Person, person

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
    assert response.headers["location"].endswith("/map")
    job_id = int(response.headers["location"].rsplit("/", 2)[1])
    mapping = admin.client.get(f"/newsroom/audience/import/{job_id}/map")
    assert mapping.status_code == 200 and "ada@example.org" in mapping.text  # the sample row
    assert '<option value="email" selected>' in mapping.text
    assert editor.post(f"/newsroom/audience/import/{job_id}/map", {}).status_code == 403
    started = admin.post(
        f"/newsroom/audience/import/{job_id}/map",
        {f"map-{i}": f for i, f in enumerate(CSV.split("\n")[0].split(","))},
    )
    assert started.status_code == 303, started.text
    twice = admin.post(f"/newsroom/audience/import/{job_id}/map", {"map-0": "email"})
    assert twice.status_code == 303 and twice.headers["location"].endswith(f"/import/{job_id}")
    assert admin.client.get(f"/newsroom/audience/import/{job_id}/map").status_code == 303
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


GERMAN = (
    "E-Mail-Adresse;Vorname;Sprache;Lieblingsfarbe;Einwilligungsdatum;Einwilligungsquelle\n"
    "Carla@Example.org;Carla;de;blau;2026-03-01;Messestand\n"
)


SELECTED = re.compile(r'<select id="(map-\d)".*?<option value="(\w*)" selected>', re.S)


def _chosen(page: str) -> dict[str, str]:
    return dict(SELECTED.findall(page))


def _upload(who: Person, text: str) -> int:
    files = {"file": ("leute.csv", text.encode(), "text/csv")}
    response = who.post("/newsroom/audience/import", {}, files=files)
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 2)[1])


def test_mapping_guesses_german_headers_and_refuses_a_mapping_without_email(
    session: Session,
) -> None:
    admin = person(session, "admin")
    user = session.get(User, admin.id)
    assert user is not None
    user.language = "de"
    session.add(user)
    session.commit()
    job_id = _upload(admin, GERMAN)
    page = admin.client.get(f"/newsroom/audience/import/{job_id}/map").text
    chosen = _chosen(page)
    assert chosen == {
        "map-0": "email", "map-1": "first_name", "map-2": "language", "map-3": "",
        "map-4": "consent_date", "map-5": "consent_source",
    }  # fmt: skip
    assert "Spalten" in page  # the German UI
    refused = admin.post(f"/newsroom/audience/import/{job_id}/map", {"map-0": "", "map-1": "name"})
    assert refused.status_code == 422
    assert "Wählen Sie die Spalte mit der E-Mail-Adresse." in refused.text
    twice = admin.post(
        f"/newsroom/audience/import/{job_id}/map", {"map-0": "email", "map-1": "email"}
    )
    assert twice.status_code == 422 and "bereits der Spalte E-Mail-Adresse" in twice.text
    no_source = admin.post(
        f"/newsroom/audience/import/{job_id}/map", {"map-0": "email", "consent_basis": "consent"}
    )
    assert no_source.status_code == 422
    session.expire_all()
    assert session.get(ImportJob, job_id).status == "mapping"  # type: ignore[union-attr]
    ok = admin.post(
        f"/newsroom/audience/import/{job_id}/map",
        {"map-0": "email", "map-1": "first_name", "map-2": "language", "map-3": "",
         "map-4": "consent_date", "map-5": "consent_source", "consent_basis": "consent",
         "consent_source": "Messestand 2026"},
    )  # fmt: skip
    assert ok.status_code == 303, ok.text
    job = run_job(job_id)
    assert job.status == "done" and job.result["created"] == 1, job.result
    assert job.result["refused"] == 0 and job.result["confirmed_with_proof"] == 1
    assert job.consent_basis == "consent" and job.consent_source == "Messestand 2026"
    carla = session.exec(select(Subscriber).where(Subscriber.email == "carla@example.org")).one()
    assert carla.name == "Carla" and carla.language == "de"
    again = _upload(admin, GERMAN.replace("Lieblingsfarbe", "Stadt"))  # remembered, then guessed
    page = admin.client.get(f"/newsroom/audience/import/{again}/map").text
    chosen = _chosen(page)
    assert chosen["map-3"] == "city" and chosen["map-0"] == "email"


def test_a_file_larger_than_a_public_form_is_taken(session: Session) -> None:
    admin = person(session, "admin")
    rows = "".join(f"person{i}@example.org,Person {i},de,2026-01-02,fair\n" for i in range(3000))
    text = "email,name,language,consent_date,consent_source\n" + rows
    assert len(text) > 64 * 1024  # the public pages' body cap refused such files before
    job_id = _upload(admin, text)
    page = admin.client.get(f"/newsroom/audience/import/{job_id}/map")
    assert page.status_code == 200 and "person0@example.org" in page.text
