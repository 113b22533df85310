"""Newsroom catalogs: every msgid in code and templates has a German translation; formats."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from service.web.catalog import extract, po_path, read
from service.web.i18n import Formats, gettext, pick_language, translations

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_every_msgid_is_translated_into_german_with_the_same_placeholders() -> None:
    german = {
        m.id: m.string for f in po_path("de").parent.glob("*.po") for m in read(f, "de") if m.id
    }
    missing = sorted(m.id for m in extract() if m.id and not german.get(m.id))
    assert not missing, f"run `python -m service.web.catalog` and translate: {missing}"
    for msgid, text in german.items():
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(text)), msgid


def test_catalogs_load_from_po_without_a_build_step() -> None:
    assert translations("de").gettext("Log in") == "Anmelden"
    assert translations("en").gettext("Log in") == "Log in"
    assert (
        gettext("de", "Use at least %(n)s characters.", n=10)
        == "Verwenden Sie mindestens 10 Zeichen."
    )
    assert gettext("fr", "Log in") == "Log in"  # unsupported languages fall back to English


def test_language_choice_profile_then_cookie_then_browser() -> None:
    assert pick_language("de", "en") == "de"
    assert pick_language(None, "en", accept="de-DE,de;q=0.9") == "en"
    assert pick_language(None, None, accept="de-DE,de;q=0.9,en;q=0.5") == "de"
    assert pick_language(None, None, accept="fr-FR") == "en"


def test_dates_and_numbers_follow_the_locale_in_the_configured_zone() -> None:
    instant = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # already 2 December in Berlin
    de, en = Formats("de"), Formats("en")
    assert de.date(instant) == "02.12.2026" and en.date(instant) == "Dec 2, 2026"
    assert de.time(instant) == "00:30" and en.time(instant).startswith("12:30")
    assert de.number(1234567) == "1.234.567" and en.number(1234567) == "1,234,567"
    assert de.percent(0.125) == "12,5\xa0%" and en.percent(0.125) == "12.5%"
    assert de.date(date(2026, 3, 1), "MMMM y") == "März 2026"
