"""`newsdesk edition ...`: preview, lint and test-send a campaign's editions from the shell."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from service.cli.support import USER_ERROR
from service.errors import NewsdeskError

if TYPE_CHECKING:  # imported for annotations only: `newsdesk --help` stays fast
    from sqlmodel import Session

    from service.rendering.contract import EditionInput
    from service.rendering.lint import LintProblem

editions_app = typer.Typer(
    help="Editions: preview, lint and test-send what a campaign will send.", no_args_is_help=True
)
console = Console()
errors_console = Console(stderr=True)
LangOption = Annotated[str, typer.Option("--lang", help="de or en")]
SegmentOption = Annotated[str | None, typer.Option("--segment", help="segment slug")]


@contextmanager
def _session() -> Iterator[Session]:
    """A session whose user errors become a clear message and exit code 2."""
    from service.db import session_scope

    try:
        with session_scope() as session:
            yield session
    except NewsdeskError as exc:
        errors_console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(code=USER_ERROR) from None


def _check_lang(lang: str) -> None:
    if lang not in ("de", "en"):
        errors_console.print(f"[bold red]error:[/] --lang must be de or en, got {lang!r}")
        raise typer.Exit(code=USER_ERROR)


def problems_table(title: str, problems: list[LintProblem]) -> Table:
    """Lint problems as a rich table, errors first."""
    table = Table("level", "code", "message", title=title, show_lines=False)
    for p in problems:
        style = "bold red" if p.level == "error" else "yellow"
        table.add_row(f"[{style}]{p.level}[/]", p.code, p.message)
    return table


@editions_app.command("preview")
def preview(
    campaign_id: int,
    segment: SegmentOption = None,
    lang: LangOption = "en",
    subscriber: Annotated[
        int | None, typer.Option("--subscriber", help="render exactly as this subscriber gets it")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="HTML file to write")] = None,
) -> None:
    """Write the edition's HTML to a file and print its lint problems."""
    _check_lang(lang)
    with _session() as session:
        html, spec, problems = _render_preview(session, campaign_id, segment, lang, subscriber)
        if not spec.announcements:
            _say_why_empty(session, campaign_id, segment, lang)
    label = f"subscriber {subscriber}" if subscriber is not None else segment or "all announcements"
    target = out or Path(f"campaign-{campaign_id}-{subscriber or segment or 'all'}-{lang}.html")
    target.write_text(html, encoding="utf-8")
    console.print(f"wrote {target} ({len(html.encode())} bytes, {len(spec.announcements)} items)")
    console.print(
        problems_table(f"lint: campaign {campaign_id}, {label} ({spec.language})", problems)
    )


def _say_why_empty(session: Session, campaign_id: int, segment: str | None, lang: str) -> None:
    """No announcement in the preview: print why, exit 1."""
    from service.campaigns.empty_reasons import empty_reasons

    reasons = empty_reasons(session, campaign_id=campaign_id, segment_slug=segment, language=lang)
    console.print(f"campaign {campaign_id}: nothing to preview ({segment or '*'}, {lang})")
    for reason in reasons:
        console.print(f"  · {reason}")
    raise typer.Exit(code=1)


def _render_preview(
    session: Session, campaign_id: int, segment: str | None, lang: str, subscriber: int | None
) -> tuple[str, EditionInput, list[LintProblem]]:
    """The preview HTML (a segment's or one subscriber's), its input and its lint problems."""
    from service.campaigns.preview_dispatch import edition_preview

    shown = edition_preview(
        session, campaign_id=campaign_id, segment_slug=segment, language=lang,
        subscriber_id=subscriber,
    )  # fmt: skip
    return shown.html, shown.spec, shown.problems


@editions_app.command("lint")
def lint(
    campaign_id: int,
    show_all: Annotated[
        bool, typer.Option("--all", help="also show client-support details (nothing to do)")
    ] = False,
    ui: Annotated[str | None, typer.Option("--ui", help="language of the advice: de or en")] = None,
) -> None:
    """Lint every edition, grouped by rule with advice; exit 1 only when a mail would break."""
    from service.campaigns.lint_report import group_findings, render_report
    from service.campaigns.linting import lint_campaign
    from service.settings import get_settings

    with _session() as session:
        results = lint_campaign(session, campaign_id=campaign_id)
    language = ui if ui in ("de", "en") else get_settings().operator_language
    report = group_findings(results, language=language, include_trivia=show_all)
    console.print(render_report(report, language=language, campaign_id=campaign_id))
    if report.blocking:
        raise typer.Exit(code=1)


@editions_app.command("test-send")
def test_send(
    campaign_id: int,
    addresses: Annotated[list[str], typer.Argument(help="where to send the [TEST] edition")],
    segment: SegmentOption = None,
    lang: LangOption = "en",
) -> None:
    """Send the segment's edition to each ADDRESS with the subject marked [TEST]."""
    from service.campaigns.proofs import send_proofs

    _check_lang(lang)
    with _session() as session:
        results = send_proofs(
            session,
            campaign_id=campaign_id,
            addresses=addresses,
            segment_slug=segment,
            language=lang,
        )
    table = Table("address", "result", "detail", title=f"test send of campaign {campaign_id}")
    for r in results:
        table.add_row(
            r.address, "[green]accepted[/]" if r.accepted else "[red]refused[/]", r.detail
        )
    console.print(table)
    if not all(r.accepted for r in results):
        raise typer.Exit(code=1)


@editions_app.command("subjects")
def subjects(campaign_id: int) -> None:
    """Each edition of the matrix: recipients and the subject it gets (* written for it)."""
    from service.campaigns.edition_subjects import matrix_subjects

    with _session() as session:
        rows = matrix_subjects(session, campaign_id=campaign_id)
    table = Table("edition", "recipients", "subject", title=f"campaign {campaign_id}")
    for row in rows:
        mark = " *" if row.written is not None else ""
        table.add_row(row.key, str(row.recipients), row.subject + mark)
    console.print(table)


@editions_app.command("subject")
def subject(
    campaign_id: int,
    key: Annotated[str, typer.Argument(help="edition key from `edition subjects`, e.g. de:5")],
    text: Annotated[str, typer.Argument(help='the subject; "" goes back to the language subject')],
) -> None:
    """Write the subject of one edition (it may use {{ announcements }} and merge tags)."""
    from service.campaigns.edition_subjects import set_edition_subject

    with _session() as session:
        set_edition_subject(session, campaign_id=campaign_id, key=key, subject=text)
    console.print(f"campaign {campaign_id}: edition {key} subject {'set' if text else 'cleared'}")
