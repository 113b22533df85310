"""Keep the newsroom catalogs in step with the code: `python -m service.web.catalog`.

Extracts every msgid from templates/web/newsroom/ (Jinja2 `_()`, `{% trans %}`) and from the
Python modules of the newsroom and accounts (`_()`, `N_()`, `gettext(lang, ...)`), then merges
new ones to de and en messages.po. Every *.po in a language's LC_MESSAGES is loaded, so a
page area may keep its own file (e.g. campaigns.po) to avoid merge conflicts.
tests/unit/test_web_i18n.py fails when a msgid is missing or untranslated in German.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
LOCALE = Path(__file__).resolve().parent / "locale"
SOURCES = [
    (ROOT / "templates" / "web" / "newsroom", [("**.html", "jinja2")]),
    (ROOT / "service" / "web", [("**.py", "python")]),
    (ROOT / "service" / "accounts", [("**.py", "python")]),
    (ROOT / "service" / "content", [("**.py", "python")]),
    (ROOT / "service", [("versioning.py", "python")]),
    (
        ROOT / "service" / "campaigns",
        [("campaign_form.py", "python"), ("scheduling.py", "python"), ("authoring.py", "python")],
    ),
    (ROOT / "service" / "reports", [("trends.py", "python")]),
    (
        ROOT / "service" / "audience",
        [
            ("segment_admin.py", "python"),
            ("import_jobs.py", "python"),
            ("import_mapping.py", "python"),
        ],
    ),
    (
        ROOT / "service" / "automation",
        [
            ("admin.py", "python"),
            ("periods.py", "python"),
            ("feeds.py", "python"),
            ("feed_fetch.py", "python"),
        ],
    ),
    (ROOT / "service" / "media", [("**.py", "python")]),
    (ROOT / "service" / "rendering", [("brand_store.py", "python")]),
]
KEYWORDS = {"_": None, "N_": None, "gettext": (2,)}
OPTIONS = {"**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true"}}


def extract() -> Catalog:
    """Every msgid the newsroom can show."""
    catalog = Catalog(project="newsdesk-newsroom")
    for directory, method_map in SOURCES:
        found = extract_from_dir(str(directory), method_map, options_map=OPTIONS, keywords=KEYWORDS)
        for filename, lineno, message, _comments, _context in found:
            if isinstance(message, tuple):
                message = message[0]
            if message:
                catalog.add(message, locations=[(f"{directory.name}/{filename}", lineno)])
    return catalog


def po_path(lang: str) -> Path:
    """Where one language's catalog lives."""
    return LOCALE / lang / "LC_MESSAGES" / "messages.po"


def read(path: Path, lang: str) -> Catalog:
    """One .po file (an empty catalog when it does not exist yet)."""
    if not path.exists():
        return Catalog(locale=lang, project="newsdesk-newsroom")
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def write(path: Path, catalog: Catalog) -> None:
    """Sorted, without line numbers or dates, so parallel branches merge cleanly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True, omit_header=True, no_location=True)


def update() -> None:
    """Add new msgids to messages.po (unless another .po of the language has them)."""
    template = extract()
    for lang in ("de", "en"):
        path = po_path(lang)
        catalog = read(path, lang)
        elsewhere = {
            m.id for other in path.parent.glob("*.po") if other != path for m in read(other, lang)
        }
        for message in template:
            if message.id and message.id not in elsewhere and message.id not in catalog:
                catalog.add(message.id)
        write(path, catalog)


if __name__ == "__main__":
    update()
