"""The column-mapping step of an import: a file's headers with a sample row, guesses, checks.

The newsroom's wizard and the CLI's `--map` hand the same {column: field} dict to
`importer.import_file`, which renames columns through `import_rows.make_mapper`; this module
only reads the first rows, proposes a target per column and refuses a mapping that cannot work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from service.accounts.errors import N_, FormProblem
from service.audience.import_rows import FIELDS, open_rows
from service.domain.segment_ast import ATTRIBUTES

TARGETS = (*FIELDS, *ATTRIBUTES)  # what a column may become; '' ignores it
SAMPLE_ROWS = 3
# spellings seen in real exports (German spreadsheets, CRM exports) -> import field
SYNONYMS: dict[str, str] = {
    "e-mail": "email", "email": "email", "e-mail-adresse": "email", "emailadresse": "email",
    "email address": "email", "e-mail address": "email", "mail": "email", "mailadresse": "email",
    "name": "name", "vollständiger name": "name", "full name": "name",
    "vorname": "first_name", "first name": "first_name", "firstname": "first_name",
    "given name": "first_name", "nachname": "last_name", "familienname": "last_name",
    "last name": "last_name", "lastname": "last_name", "surname": "last_name",
    "sprache": "language", "language": "language", "lang": "language",
    "einrichtung": "institution", "institut": "institution", "institution": "institution",
    "organisation": "institution", "organization": "institution",
    "stadt": "city", "ort": "city", "city": "city", "land": "country", "country": "country",
    "abteilung": "department", "department": "department", "themen": "topics",
    "topics": "topics", "interessen": "topics", "karrierestufe": "career_stage",
    "career stage": "career_stage", "rolle": "role", "role": "role",
    "einwilligungsdatum": "consent_date", "consent date": "consent_date",
    "einwilligungsquelle": "consent_source", "consent source": "consent_source",
    "einwilligungstext": "consent_text", "consent text": "consent_text",
}  # fmt: skip


@dataclass
class Preview:
    """What the mapping step shows: headers in file order and a few sample rows."""

    headers: list[str]
    samples: list[dict[str, Any]] = field(default_factory=list)
    problem: str = ""  # a syntax error in the first rows, as the import report would name it


def preview(path: Path, *, rows: int = SAMPLE_ROWS) -> Preview:
    """The headers of a CSV (first line) or JSON Lines file (keys of the first rows)."""
    headers: list[str] = []
    samples: list[dict[str, Any]] = []
    problem = ""
    with path.open("rb") as handle:
        for _line, values in islice(open_rows(path, handle), rows):
            if "__error__" in values:
                problem = problem or str(values["__error__"])
                continue
            samples.append(values)
            headers += [k for k in values if k not in headers]
    if path.suffix.lower() == ".csv" and not headers:
        headers = _csv_header(path)
    return Preview(headers=headers, samples=samples, problem=problem)


def _csv_header(path: Path) -> list[str]:
    """The header line alone (a file whose every data row is broken still has columns)."""
    with path.open(encoding="utf-8-sig", errors="replace") as handle:
        first = handle.readline()
    sep = max((",", ";", "\t"), key=first.count)
    return [h.strip().strip('"') for h in first.rstrip("\r\n").split(sep) if h.strip()]


def _key(header: str) -> str:
    return re.sub(r"[\s_]+", " ", header.strip().lower())


def guess(headers: list[str], *, remembered: dict[str, str] | None = None) -> dict[str, str]:
    """A target per header: what the team chose for that header before, else a known spelling."""
    taken: set[str] = set()
    result: dict[str, str] = {}
    for header in headers:
        earlier = (remembered or {}).get(header)
        key = _key(header)
        target = earlier if earlier is not None else SYNONYMS.get(key, "")
        if not target and key.replace(" ", "_") in TARGETS:
            target = key.replace(" ", "_")
        if target and (target not in TARGETS or target in taken):
            target = ""  # one column per field; a stale remembered target is dropped
        taken.add(target)
        result[header] = target
    return result


def check_mapping(headers: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """The mapping restricted to the file's headers, or field errors (per column, translated)."""
    errors: dict[str, tuple[str, dict[str, Any]]] = {}
    clean: dict[str, str] = {}
    seen: dict[str, str] = {}
    for index, header in enumerate(headers):
        target = mapping.get(header, "").strip()
        name = f"map-{index}"
        if target and target not in TARGETS:
            errors[name] = (N_("Unknown field %(field)s."), {"field": target})
        elif target and target in seen:
            errors[name] = (
                N_("%(field)s is already taken by the column %(other)s."),
                {"field": target, "other": seen[target]},
            )
        elif target:
            seen[target] = header
        clean[header] = target
    if "email" not in seen and not errors:
        errors["mapping"] = (N_("Choose the column that holds the e-mail address."), {})
    if errors:
        raise FormProblem(errors)
    return clean
