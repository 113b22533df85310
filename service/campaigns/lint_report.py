"""The lint report a comms officer reads: findings grouped by rule, counted, with advice.

Shared by `newsdesk edition lint` and `GET /api/campaigns/{id}/lint`. Client-support trivia
(a feature one client ignores and we already work around) stays out of the default view.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from service.campaigns.linting import EditionLint
from service.rendering.lint_rules import TIER_ORDER, Tier, advice, rule_of, tier_of

EXAMPLES = 3  # messages shown per rule


@dataclass
class RuleGroup:
    """All findings of one rule and tier across the campaign's editions."""

    rule: str
    tier: Tier
    count: int = 0
    editions: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    advice: str = ""


@dataclass(frozen=True)
class LintReport:
    """Groups shown (blocking first), how many findings block, how many are hidden."""

    groups: list[RuleGroup]
    blocking: int
    hidden: int
    editions: int


def edition_label(lint: EditionLint, *, language_names: dict[str, str]) -> str:
    """How an edition is named in the report: "Deutsch · early-career"."""
    return f"{language_names.get(lint.language, lint.language)} · {lint.segment or '*'}"


LANGUAGE_NAMES = {
    "de": {"de": "Deutsch", "en": "Englisch"},
    "en": {"de": "German", "en": "English"},
}


def group_findings(
    results: Iterable[EditionLint], *, language: str = "en", include_trivia: bool = False
) -> LintReport:
    """Group every finding by (rule, tier); trivia only when asked."""
    groups: dict[tuple[str, str], RuleGroup] = {}
    hidden = blocking = editions = 0
    names = LANGUAGE_NAMES.get(language, LANGUAGE_NAMES["en"])
    for lint in results:
        editions += 1
        where = edition_label(lint, language_names=names)
        for problem in lint.problems:
            tier = tier_of(problem.code, problem.level)
            if tier == "trivia" and not include_trivia:
                hidden += 1
                continue
            rule = rule_of(problem.code)
            group = groups.setdefault((rule, tier), RuleGroup(rule, tier))
            group.count += 1
            blocking += tier == "blocks"
            if where not in group.editions:
                group.editions.append(where)
            if len(group.examples) < EXAMPLES and problem.message not in group.examples:
                group.examples.append(problem.message)
    for group in groups.values():
        group.advice = advice(group.rule, group.tier, language)
    ordered = sorted(groups.values(), key=lambda g: (TIER_ORDER[g.tier], -g.count, g.rule))
    return LintReport(ordered, blocking, hidden, editions)


def report_as_json(report: LintReport) -> dict[str, object]:
    """The report for the API."""
    return {
        "blocking": report.blocking,
        "hidden_trivia": report.hidden,
        "groups": [
            {
                "rule": g.rule,
                "tier": g.tier,
                "count": g.count,
                "advice": g.advice,
                "editions": g.editions,
                "examples": g.examples,
            }
            for g in report.groups
        ],
    }


HEADINGS = {
    "en": {
        "blocks": "BLOCKS SENDING",
        "advice": "advice",
        "trivia": "client detail",
        "summary": "campaign {cid}: {editions} edition(s) checked, {blocking} finding(s) block "
        "sending",
        "hidden": "{hidden} client-support detail(s) hidden (nothing to do); --all shows them",
        "in": "in",
        "clean": "nothing to fix",
    },
    "de": {
        "blocks": "BLOCKIERT DEN VERSAND",
        "advice": "Hinweis",
        "trivia": "Detail eines E-Mail-Programms",
        "summary": "Kampagne {cid}: {editions} Ausgabe(n) geprüft, {blocking} Befund(e) "
        "blockieren den Versand",
        "hidden": "{hidden} Detail(s) zur Unterstützung durch E-Mail-Programme ausgeblendet "
        "(nichts zu tun); --all zeigt sie",
        "in": "in",
        "clean": "nichts zu beheben",
    },
}
TIER_STYLE = {"blocks": "bold red", "advice": "yellow", "trivia": "dim"}


def render_report(report: LintReport, *, language: str, campaign_id: int) -> str:
    """The report as rich-markup text: one block per rule, then the summary line."""
    h = HEADINGS.get(language, HEADINGS["en"])
    lines: list[str] = []
    for g in report.groups:
        style = TIER_STYLE[g.tier]
        lines.append(f"[{style}]{h[g.tier]}[/] [bold]{g.rule}[/] ×{g.count}")
        lines.append(f"  {g.advice}")
        lines.append(f"  {h['in']}: {', '.join(g.editions)}")
        lines.extend(f"  · {escape_markup(example)}" for example in g.examples)
    if not report.groups:
        lines.append(h["clean"])
    summary = h["summary"].format(
        cid=campaign_id, editions=report.editions, blocking=report.blocking
    )
    lines.append(summary)
    if report.hidden:
        lines.append(h["hidden"].format(hidden=report.hidden))
    return "\n".join(lines)


def escape_markup(text: str) -> str:
    """Keep "[...]" in a finding from being read as rich markup."""
    return text.replace("[", "\\[")
