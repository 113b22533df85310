"""`newsdesk audience ...`: import, segment counts and samples, purge, retention, GDPR requests.

The service modules are imported inside the commands: `newsdesk --help` stays fast.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from service.cli.support import USER_ERROR
from service.errors import InvalidInput, NewsdeskError, NotFound

audience_app = typer.Typer(help="Audience: import, segments, double opt-in upkeep, GDPR requests.")
console = Console()


@contextmanager
def clear_errors() -> Iterator[None]:
    """Print a NewsdeskError as one red line and exit 1, never a traceback."""
    try:
        yield
    except NewsdeskError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(USER_ERROR) from None


def _mapping(pairs: list[str]) -> dict[str, str]:
    """--map "E-Mail=email,Vorname=first_name" (repeatable; an empty field ignores a column)."""
    result = {}
    for pair in (p for item in pairs for p in item.split(",") if p.strip()):
        source, sep, target = pair.partition("=")
        if not sep or not source:
            raise InvalidInput(f"--map {pair!r}: expected COLUMN=FIELD")
        result[source.strip()] = target.strip()
    return result


@audience_app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".csv or .jsonl")],
    map_: Annotated[list[str], typer.Option("--map", help="COLUMN=FIELD, repeatable")] = [],  # noqa: B006
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="check and count, write nothing")
    ] = False,
    invite: Annotated[
        bool, typer.Option(help="send double opt-in requests to rows without proof")
    ] = False,
    report: Annotated[
        Path | None, typer.Option(help="error report (default FILE.errors.csv)")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option(help="replace language and preferences subscribers chose themselves")
    ] = False,
) -> None:
    """Import subscribers; every refused row is listed with its line and reason (exit 1)."""
    from service.audience.import_report import import_summary
    from service.audience.importer import import_file
    from service.db import session_scope
    from service.mail.outbox import send_message

    with clear_errors(), session_scope() as session, _progress(path) as advance:
        result = import_file(
            session,
            path=path,
            mapping=_mapping(map_),
            dry_run=dry_run,
            overwrite=overwrite,
            report_path=report,
            invite=send_message if invite else None,
            checkpoint=session.commit,
            on_progress=advance,
        )
    console.print(import_summary(result, title=path.name))
    if result.refused:
        raise typer.Exit(1)


@contextmanager
def _progress(path: Path) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar over the file's bytes."""
    columns = (
        TextColumn("{task.fields[rows]:,} rows"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("import", total=path.stat().st_size, rows=0)
        yield lambda rows, done: bar.update(task, completed=done, rows=rows)


def _rule(rule: str | None, segment: str | None) -> dict[str, Any]:
    """A rule from --rule JSON or a saved segment's slug."""
    from sqlmodel import select

    from service.db import session_scope
    from service.domain.segment_rules import validate_rule
    from service.models.segment import Segment

    if (rule is None) == (segment is None):
        raise InvalidInput("give exactly one of --rule JSON or --segment SLUG")
    if rule is not None:
        try:
            parsed = json.loads(rule)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"--rule: not JSON ({exc.msg} at column {exc.colno})") from None
        validate_rule(parsed)
        return dict(parsed)
    with session_scope() as session:
        found = session.exec(select(Segment).where(Segment.slug == segment)).first()
        if found is None:
            raise NotFound(f"no segment with slug {segment!r}")
        return dict(found.rule)


@audience_app.command("count")
def count_command(
    rule: Annotated[str | None, typer.Option(help="rule as JSON")] = None,
    segment: Annotated[str | None, typer.Option(help="saved segment slug")] = None,
    sample: Annotated[int, typer.Option(help="also list this many members")] = 0,
) -> None:
    """Live count of deliverable members (confirmed, not suppressed), with an optional sample."""
    from service.audience.segments import segment_count, segment_sample
    from service.db import session_scope

    with clear_errors(), session_scope() as session:
        chosen = _rule(rule, segment)
        console.print(f"{segment_count(session, rule=chosen):,} deliverable subscribers")
        if sample:
            table = Table("id", "email", "language", "attributes")
            for sub in segment_sample(session, rule=chosen, limit=sample):
                table.add_row(str(sub.id), sub.email, sub.language, json.dumps(sub.attributes))
            console.print(table)


@audience_app.command("purge-unconfirmed")
def purge_command(
    days: Annotated[int | None, typer.Option(help="default: settings")] = None,
) -> None:
    """Delete never-confirmed signups older than the purge period."""
    from service.audience.subscribe import purge_unconfirmed
    from service.db import session_scope

    with clear_errors(), session_scope() as session:
        console.print(
            f"purged {purge_unconfirmed(session, older_than_days=days)} unconfirmed subscribers"
        )


@audience_app.command("retention")
def retention_command() -> None:
    """Apply the retention periods: tracking IPs, then the link to the person; raw inbound mail."""
    from service.audience.retention import apply_retention
    from service.db import session_scope
    from service.inbound.intake.store import expire_raw

    with clear_errors(), session_scope() as session:
        counts = apply_retention(session)
        counts["inbound_raw_expired"] = expire_raw(session)
    console.print(", ".join(f"{k}: {v}" for k, v in counts.items()))


@audience_app.command("export")
def export_command(
    email: str, out: Annotated[Path | None, typer.Option(help="write JSON here")] = None
) -> None:
    """Everything stored about one subscriber, as JSON (GDPR Art. 15/20)."""
    from service.audience.gdpr import export_subscriber
    from service.db import session_scope

    with clear_errors(), session_scope() as session:
        text = json.dumps(export_subscriber(session, email=email), indent=2, ensure_ascii=False)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"written to {out}")


@audience_app.command("erase")
def erase_command(
    email: str, yes: Annotated[bool, typer.Option("--yes", help="confirm the erasure")] = False
) -> None:
    """Erase a person (GDPR Art. 17): only a keyed hash stays, so imports cannot bring them back."""
    from service.audience.gdpr import erase_subscriber
    from service.db import session_scope

    if not yes:
        console.print("[red]error:[/red] erasure cannot be undone; add --yes")
        raise typer.Exit(USER_ERROR)
    with clear_errors(), session_scope() as session:
        counts = erase_subscriber(session, email=email)
    console.print(
        "erased: " + (", ".join(f"{k} {v}" for k, v in counts.items()) or "address suppressed")
    )
