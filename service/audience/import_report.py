"""The import summary as the CLI prints it: counts that add up, refusals by reason, the report."""

from __future__ import annotations

from service.audience.importer import ImportResult


def summary_lines(result: ImportResult) -> list[str]:
    """Plain lines: rows = created + updated + unchanged + refused, then reasons and notes."""
    total = result.created + result.updated + result.unchanged + result.refused
    lines = [
        f"rows {result.rows:,} = created {result.created:,} + updated {result.updated:,}"
        f" + unchanged {result.unchanged:,} + refused {result.refused:,}"
        + ("" if total == result.rows else f"  (MISMATCH: {total:,})"),
        f"confirmed with proof {result.confirmed_with_proof:,}, invited {result.invited:,}",
    ]
    lines += [f"refused: {reason}: {n:,}" for reason, n in sorted(result.reasons.items())]
    if result.kept_choices:
        lines.append(
            f"kept what {result.kept_choices:,} subscriber(s) chose themselves "
            "(language, preferences); --overwrite replaces it"
        )
    if result.refused:
        lines.append(f"error report: {result.report_path}")
    return lines


def import_summary(result: ImportResult, *, title: str) -> str:
    """The summary with its title line."""
    head = f"import {title}" + (" (dry run)" if result.dry_run else "")
    return "\n".join([head, *summary_lines(result)])
