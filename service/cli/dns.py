"""`newsdesk dns check`: the SPF, DKIM, DMARC and FCrDNS records the settings need (A1-A4)."""

from __future__ import annotations

import typer
from rich.table import Table

from service.cli.support import USER_ERROR, JsonOption, console, print_json

dns_app = typer.Typer(help="DNS authentication records.", no_args_is_help=True)
_STYLE = {"pass": "green", "fail": "bold red", "warn": "yellow"}


@dns_app.command("check")
def dns_check(as_json: JsonOption = False) -> None:
    """Check SPF, DKIM, DMARC, alignment and FCrDNS against DNS; exit 1 when a MUST fails."""
    from service.deliverability.preflight import must_failures, run_checks
    from service.settings import get_settings

    checks = run_checks(get_settings())
    failures = must_failures(checks)
    if as_json:
        print_json([{**c.__dict__, "publish_line": c.publish_line} for c in checks])
    else:
        table = Table(title="DNS authentication (STANDARDS A1-A4)")
        for column in ("row", "check", "result", "level", "detail"):
            table.add_column(column, overflow="fold")
        for c in checks:
            level = "MUST" if c.must else "SHOULD"
            status = f"[{_STYLE[c.status]}]{c.status}[/]"
            table.add_row(c.row, c.key, status, level, c.detail)
        console.print(table)
        missing = [c for c in checks if c.publish and c.status != "pass"]
        if missing:
            console.print("[bold]Publish these records:[/]")
            for c in missing:
                console.print(c.publish_line, soft_wrap=True, markup=False, highlight=False)
        summary = f"{len(failures)} MUST check(s) failed" if failures else "all MUST checks pass"
        console.print(summary)
    if failures:
        raise typer.Exit(USER_ERROR)
