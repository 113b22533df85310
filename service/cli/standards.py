"""`newsdesk standards`: the STANDARDS.md rows, their level and the tests named after them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from service.cli.support import USER_ERROR, JsonOption, console, print_json

NO_TESTS = (
    "no tests/ folder found (an installed wheel ships none): rows listed without coverage; "
    "run from a checkout or pass --tests DIR"
)


def standards(
    tests: Annotated[
        Path | None, typer.Option("--tests", help="The tests/ folder to read.")
    ] = None,
    must_only: Annotated[bool, typer.Option("--must", help="Only the MUST rows.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Rows of STANDARDS.md with the tests covering each; exit 1 if a MUST row has none."""
    from service.deliverability.standards import coverage, find_tests_dir, shipped_rows

    tests_dir = find_tests_dir(tests) if tests is None or tests.is_dir() else None
    if tests is not None and tests_dir is None:
        console.print(f"[bold red]error:[/] {tests} is not a tests folder (no conftest.py)")
        raise typer.Exit(USER_ERROR)
    rows = [r for r in shipped_rows() if r.level == "MUST" or not must_only]
    listed = coverage(rows, tests_dir)
    if as_json:
        print_json({"tests_dir": str(tests_dir) if tests_dir else None, "rows": listed})
    else:
        if tests_dir is None:
            console.print(f"[yellow]{NO_TESTS}[/]")
        table = Table(title="STANDARDS.md rows and the tests named after them")
        for column in ("row", "level", "status", "title", "tests"):
            table.add_column(column, overflow="fold")
        for item in listed:
            level = item.row.level + (f" ({item.row.qualifier})" if item.row.qualifier else "")
            table.add_row(item.row.id, level, item.status, item.row.title, "\n".join(item.tests))
        console.print(table)
        must = [i for i in listed if i.row.level == "MUST"]
        counts = {s: sum(i.status == s for i in must) for s in ("covered", "pending", "missing")}
        console.print(
            f"MUST rows: {len(must)}; covered {counts['covered']}, pending {counts['pending']}, "
            f"missing {counts['missing']}"
        )
    if any(i.status == "missing" for i in listed):
        raise typer.Exit(USER_ERROR)
