"""Segments from the newsroom: a live count for a rule as typed, and saving a new segment."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlmodel import Session, select

from service.accounts.errors import N_, FormProblem
from service.audience.segments import segment_count
from service.domain.segment_rules import validate_rule
from service.errors import InvalidInput
from service.models import Segment

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def parse_rule(text: str) -> dict[str, Any]:
    """The JSON rule language from a textarea; errors say where (field 'rule')."""
    try:
        rule = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        raise FormProblem(
            {
                "rule": (
                    N_("Not valid JSON (line %(line)s, column %(col)s)."),
                    {"line": exc.lineno, "col": exc.colno},
                )
            }
        ) from None
    try:
        validate_rule(rule)
    except InvalidInput as exc:
        raise FormProblem(
            {"rule": (N_("The rule is not valid: %(why)s"), {"why": str(exc)})}
        ) from None
    return rule  # type: ignore[no-any-return]


def live_count(session: Session, *, text: str) -> int:
    """How many deliverable subscribers the typed rule selects now."""
    return segment_count(session, rule=parse_rule(text))


def create_segment(session: Session, *, slug: str, name: str, rule_text: str) -> Segment:
    """Save a new segment after checking slug, name and rule (all errors at once)."""
    errors: dict[str, tuple[str, dict[str, Any]]] = {}
    if not SLUG.fullmatch(slug):
        errors["slug"] = (N_("Use lower-case letters, digits and hyphens (e.g. lung-call)."), {})
    elif session.exec(select(Segment).where(Segment.slug == slug)).first() is not None:
        errors["slug"] = (N_("Another segment already has this short name."), {})
    if not name.strip():
        errors["name"] = (N_("This cannot be empty."), {})
    try:
        rule = parse_rule(rule_text)
    except FormProblem as exc:
        errors.update(exc.errors)
    if errors:
        raise FormProblem(errors)
    segment = Segment(slug=slug, name=name.strip(), rule=rule)
    session.add(segment)
    session.flush()
    return segment
