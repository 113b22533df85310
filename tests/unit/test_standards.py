"""The STANDARDS.md checklist: shipped rows match the file, and every MUST row has its test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from service.deliverability import standards
from service.deliverability.standards import (
    coverage,
    covering_tests,
    parse_standards,
    row_ids_of,
    rows_module_source,
    shipped_rows,
)

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
# Rows whose tests come with the dns branch (`newsdesk dns check`); the integrator empties this
# when merging it. Nothing else may be pending.
PENDING_ROWS: set[str] = set()
REGENERATE = (
    'regenerate: python -c "from pathlib import Path; from service.deliverability.standards '
    "import *; Path('service/deliverability/standards_rows.py').write_text(rows_module_source("
    "parse_standards(Path('<STANDARDS.md>').read_text())))\""
)


def _checklist() -> Path | None:
    """../shared/STANDARDS.md beside the checkout (main) or beside the worktrees' folder."""
    for base in (ROOT.parent, ROOT.parent.parent):
        path = base / "shared" / "STANDARDS.md"
        if path.is_file():
            return path
    return None


def test_shipped_rows_agree_with_the_checklist_file() -> None:
    path = _checklist()
    if path is None:
        pytest.skip("no ../shared/STANDARDS.md beside this checkout to compare with")
    assert parse_standards(path.read_text(encoding="utf-8")) == shipped_rows(), REGENERATE
    namespace: dict[str, object] = {}
    exec(rows_module_source(shipped_rows()), namespace)  # the generator round-trips
    assert [tuple(r) for r in namespace["ROWS"]] == [
        tuple(vars(r).values()) for r in shipped_rows()
    ]


def test_rows_parse_levels_qualifiers_and_titles() -> None:
    text = (
        "| ID | Requirement | Source | How |\n|---|---|---|---|\n"
        "| A3 | **MUST** (bulk) Publish a DMARC record. More text. | S1 | x |\n"
        "| C4 | **MUST (security)** No header injection. Build | S14 | y |\n"
        "| C5 | MAY Send `Precedence: bulk` on campaign mail. It is | S12 | z |\n"
        "| D3 | **MUST** Withdrawal is as easy as giving consent (Art. 7(3)). An | S15 | w |\n"
    )
    rows = parse_standards(text)
    assert [(r.id, r.level, r.qualifier, r.title) for r in rows] == [
        ("A3", "MUST", "bulk", "Publish a DMARC record"),
        ("C4", "MUST", "security", "No header injection"),
        ("C5", "MAY", "", "Send `Precedence: bulk` on campaign mail"),
        ("D3", "MUST", "", "Withdrawal is as easy as giving consent (Art. 7(3))"),
    ]
    with pytest.raises(ValueError, match="no MUST/SHOULD/MAY"):
        parse_standards("| Z9 | nothing |\n| A1 | Perhaps do it | S | t |\n")


def test_test_names_map_to_rows() -> None:
    assert row_ids_of("test_A2_every_message_signed") == ["A2"]
    assert row_ids_of("test_c6_e5_text_part_complete") == ["C6", "E5"]
    assert row_ids_of("test_e2e_browser") == [] and row_ids_of("helper_A2_x") == []


def test_coverage_is_found_by_syntax_tree_not_by_running(tmp_path: Path) -> None:
    (tmp_path / "tests" / "db").mkdir(parents=True)
    (tmp_path / "tests" / "conftest.py").write_text("")
    (tmp_path / "tests" / "db" / "test_x.py").write_text(
        "import sys\nsys.exit(3)  # never imported\n"
        "def test_B2_header_exact(): ...\n"
        "class TestMail:\n    def test_B2_B3_signed(self): ...\n"
        "def helper_B4_thing(): ...\n"
    )
    found = covering_tests(tmp_path / "tests", {"B2", "B3", "B4"})
    assert found == {
        "B2": [
            "tests/db/test_x.py::test_B2_header_exact",
            "tests/db/test_x.py::TestMail::test_B2_B3_signed",
        ],
        "B3": ["tests/db/test_x.py::TestMail::test_B2_B3_signed"],
        "B4": [],
    }
    statuses = {c.row.id: c.status for c in coverage(shipped_rows(), tmp_path / "tests")}
    assert statuses["B2"] == "covered" and statuses["B4"] == "missing"
    assert statuses["A1"] == "missing" and statuses["F6"] == "optional"


def test_every_must_row_has_a_test_named_after_it() -> None:
    listed = coverage(shipped_rows(), TESTS)
    missing = [c.row.id for c in listed if c.status == "missing"]
    assert not missing, f"MUST rows without a test named test_<ROW>_...: {missing}"
    assert set(standards.PENDING_ROWS) == PENDING_ROWS, "the listing and this test disagree"
    pending = {c.row.id for c in listed if c.status == "pending"}
    assert pending == PENDING_ROWS, (
        f"pending rows that now have tests, remove them from PENDING_ROWS: {PENDING_ROWS - pending}"
    )
    assert all(c.row.level == "MUST" for c in listed if c.row.id in PENDING_ROWS)


def test_cli_lists_rows_and_tests_and_says_when_there_are_no_tests(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "service.cli", "standards", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    listed = {r["row"]["id"]: r for r in json.loads(run.stdout)["rows"]}
    assert listed["A1"]["status"] == "covered" and listed["B2"]["status"] == "covered"
    assert any("_B2_" in name for name in listed["B2"]["tests"])
    # What an installed wheel sees: the package without the checkout's tests/ beside it.
    wheel = tmp_path / "site"
    wheel.mkdir(exist_ok=True)
    subprocess.run(["cp", "-r", str(ROOT / "service"), str(wheel)], check=True)
    (wheel / "workers").symlink_to(ROOT / "workers")
    bare = subprocess.run(
        [sys.executable, "-m", "service.cli", "standards"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(wheel), "PATH": "/usr/bin:/bin", "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bare.returncode == 0, bare.stdout + bare.stderr
    assert "no tests/ folder found" in bare.stdout and "unknown" in bare.stdout
