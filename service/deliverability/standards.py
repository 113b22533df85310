"""The STANDARDS.md rows (id, level, title) and the tests named after them (`test_<ROW>_...`).

The checklist lives outside the package (../shared/STANDARDS.md); the rows are shipped as a
generated data module (standards_rows.py) so an installed wheel can still list them. Coverage
is found by reading the test files' syntax trees, never by running pytest.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

# Rows whose tests are written on another branch (dns: `newsdesk dns check`); listed as pending.
PENDING_ROWS: frozenset[str] = frozenset()

_ROW = re.compile(r"^\|\s*([A-F]\d{1,2})\s*\|(.*)$")
_LEVEL = re.compile(r"^(MUST|SHOULD|MAY)\b\s*(?:\(([^)]*)\))?")
_TEST = re.compile(r"^test_((?:[A-Fa-f]\d{1,2}_)+)")
TITLE_CHARS = 100


@dataclass(frozen=True)
class Row:
    """One checklist row: id, level (MUST/SHOULD/MAY), qualifier such as `bulk`, short title."""

    id: str
    level: str
    qualifier: str
    title: str


@dataclass(frozen=True)
class RowCoverage:
    """A row and the tests named after it; status covered, pending, missing or optional."""

    row: Row
    tests: tuple[str, ...]
    status: str


def parse_standards(text: str) -> list[Row]:
    """The rows of every table of STANDARDS.md, in file order."""
    rows = []
    for line in text.splitlines():
        found = _ROW.match(line)
        if found is None:
            continue
        requirement = found.group(2).split(" | ", 1)[0].strip()
        rows.append(_row(found.group(1), requirement))
    return rows


def _row(row_id: str, requirement: str) -> Row:
    """Split '**MUST (bulk)** Publish a DMARC record...' into level, qualifier and title."""
    text = requirement.replace("**", "").strip()
    level = _LEVEL.match(text)
    if level is None:
        raise ValueError(f"row {row_id}: no MUST/SHOULD/MAY at the start of {text[:40]!r}")
    rest = text[level.end() :].strip()
    qualifier = level.group(2) or ""
    if not qualifier and rest.startswith("("):  # '**MUST** (ops) Handle...'
        qualifier, _, rest = rest[1:].partition(")")
        rest = rest.strip()
    title = _first_sentence(rest)
    if len(title) > TITLE_CHARS:
        title = title[: TITLE_CHARS - 1].rstrip() + "…"
    return Row(row_id, level.group(1), qualifier.strip(), title)


_SENTENCE_END = re.compile(r"(?<=[A-Za-z0-9`)\]*\"])\.(?=\s+[A-Za-z*`]|\s*$)")
_ABBREVIATIONS = ("Art", "e.g", "i.e", "Nr", "No", "vs", "etc", "cf")


def _first_sentence(text: str) -> str:
    """Up to the first full stop that ends a sentence ("Art. 7(1)" and "e.g. x" do not)."""
    for end in _SENTENCE_END.finditer(text):
        if not text[: end.start()].endswith(_ABBREVIATIONS):
            return text[: end.start()].strip()
    return text.strip()


def row_ids_of(test_name: str) -> list[str]:
    """Row ids a test function is named after: test_C6_E5_text_part -> ['C6', 'E5']."""
    found = _TEST.match(test_name)
    if found is None:
        return []
    return [part.upper() for part in found.group(1).split("_") if part]


def covering_tests(tests_dir: Path, row_ids: set[str]) -> dict[str, list[str]]:
    """Row id -> 'path::[Class::]test_name' of every test function named after it."""
    found: dict[str, list[str]] = {row_id: [] for row_id in row_ids}
    for path in sorted(tests_dir.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = path.relative_to(tests_dir.parent).as_posix()
        for name in _test_functions(tree):
            for row_id in row_ids_of(name.rpartition("::")[2]):
                if row_id in found:
                    found[row_id].append(f"{where}::{name}")
    return found


def _test_functions(tree: ast.Module) -> list[str]:
    """Module-level test functions and the methods of Test* classes, as pytest collects them."""
    names = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.append(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            names.extend(
                f"{node.name}::{item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            )
    return [n for n in names if n.rpartition("::")[2].startswith("test_")]


def coverage(rows: list[Row], tests_dir: Path | None) -> list[RowCoverage]:
    """Each row with its tests; without a tests folder every status is `unknown`."""
    if tests_dir is None:
        return [RowCoverage(row, (), "unknown") for row in rows]
    tests = covering_tests(tests_dir, {row.id for row in rows})
    return [RowCoverage(row, tuple(tests[row.id]), _status(row, tests[row.id])) for row in rows]


def _status(row: Row, tests: list[str]) -> str:
    if tests:
        return "covered"
    if row.level != "MUST":
        return "optional"
    return "pending" if row.id in PENDING_ROWS else "missing"


def find_tests_dir(start: Path | None = None) -> Path | None:
    """The checkout's tests/ beside the package, or under `start`; None in an installed wheel."""
    candidates = [Path(__file__).resolve().parents[2] / "tests"]
    if start is not None:
        candidates.insert(0, start / "tests" if start.name != "tests" else start)
    return next((c for c in candidates if (c / "conftest.py").is_file()), None)


def rows_module_source(rows: list[Row]) -> str:
    """The text of standards_rows.py for these rows (regenerate when STANDARDS.md changes)."""
    lines = [
        '"""The rows of ../shared/STANDARDS.md, generated by standards.rows_module_source."""',
        "",
        "# ruff: noqa: E501",
        "from __future__ import annotations",
        "",
        "# (id, level, qualifier, title); tests/unit/test_standards.py checks it matches the file.",
        "ROWS: tuple[tuple[str, str, str, str], ...] = (",
        *(f"    {(r.id, r.level, r.qualifier, r.title)!r}," for r in rows),
        ")",
        "",
    ]
    return "\n".join(lines)


def shipped_rows() -> list[Row]:
    """The rows shipped inside the package."""
    from service.deliverability.standards_rows import ROWS

    return [Row(*row) for row in ROWS]
