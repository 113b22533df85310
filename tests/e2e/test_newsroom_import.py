"""The import wizard in Chromium with the German UI: a file with German headers is mapped in
the browser (guesses shown, one corrected), then imported by a real Celery worker with the
progress bar and the error report; axe-core on each step (closes issue 11's German import)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from service.models import ImportJob, Subscriber
from tests.e2e.conftest import DESKTOP, Account
from tests.e2e.test_newsroom_content import redis_newsroom, worker  # noqa: F401 - fixtures

HEADER = "E-Mail-Adresse;Vorname;Sprache;Einwilligungsdatum;Herkunft;Stadt"


def test_german_csv_is_mapped_in_the_browser_and_imported_by_the_worker(
    redis_newsroom: str, browser: Any, make_user: Callable[..., Account],  # noqa: F811
    axe_check: Callable[[Any], Any], tmp_path: Path, seed: Session,
) -> None:  # fmt: skip
    admin = make_user("admin", language="de")
    context = browser.new_context(viewport=DESKTOP, locale="de-DE")
    page = context.new_page()
    page.goto(redis_newsroom + "/newsroom/login")
    page.get_by_label("E-Mail-Adresse").fill(admin.email)
    page.get_by_label("Passwort").fill(admin.password)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(redis_newsroom + "/newsroom/")
    rows = [HEADER]
    rows += [
        f"Wiesn{i}@Example.org;Jörg {i};de;2026-02-0{1 + i % 9};Messe;München" for i in range(40)
    ]
    rows += ["kaputt@@example.org;Kaputt;de;2026-02-01;Messe;Köln"]
    csv_file = tmp_path / "anmeldungen.csv"
    csv_file.write_text("\n".join(rows) + "\n", encoding="utf-8")
    page.goto(redis_newsroom + "/newsroom/audience/import")
    page.get_by_label("CSV- oder JSONL-Datei").set_input_files(str(csv_file))
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url(re.compile(r"/newsroom/audience/import/\d+/map$"))
    page.get_by_role("heading", name="Spalten von anmeldungen.csv zuordnen").wait_for()
    axe_check(page)
    assert page.get_by_label("E-Mail-Adresse", exact=True).input_value() == "email"
    assert page.get_by_label("Vorname").input_value() == "first_name"
    assert page.get_by_label("Sprache").input_value() == "language"
    assert page.get_by_label("Einwilligungsdatum").input_value() == "consent_date"
    assert page.get_by_label("Stadt").input_value() == "city"
    assert page.get_by_label("Herkunft").input_value() == ""  # no guess: the user decides
    assert "Wiesn0@Example.org" in page.locator("[data-figure=mapping]").inner_text()
    page.get_by_label("E-Mail-Adresse", exact=True).select_option("")  # a mistake first
    page.get_by_role("button", name="Import starten").click()
    page.get_by_text("Wählen Sie die Spalte mit der E-Mail-Adresse.").first.wait_for()
    axe_check(page)
    page.get_by_label("E-Mail-Adresse", exact=True).select_option("email")
    page.get_by_label("Herkunft").select_option("consent_source")
    page.get_by_label("Rechtsgrundlage").select_option("consent")
    page.get_by_label("Quelle der Einwilligung").fill("Stand auf der Wiesn-Messe 2026")
    page.get_by_role("button", name="Import starten").click()
    page.wait_for_url(re.compile(r"/newsroom/audience/import/\d+$"))
    page.locator("[data-figure=import-state]", has_text="Fertig").wait_for(timeout=60_000)
    assert page.locator("[data-figure=refused]").inner_text() == "1"
    assert "Spaltenzuordnung" in page.content()
    axe_check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Fehlerbericht herunterladen (CSV)").click()
    assert "kaputt@@example.org" in Path(download.value.path()).read_text()
    imported = seed.exec(select(Subscriber).where(col(Subscriber.email).like("wiesn%@example.org")))
    people = imported.all()
    assert len(people) == 40 and {p.name for p in people} >= {"Jörg 0", "Jörg 39"}
    assert all(p.attributes.get("city") == "München" for p in people)
    job = seed.exec(select(ImportJob).order_by(col(ImportJob.id).desc())).first()
    assert job is not None and job.mapping["Herkunft"] == "consent_source"
    assert job.consent_basis == "consent"
    context.close()
