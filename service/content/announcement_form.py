"""Turn the newsroom's announcement form into save_announcement's arguments, with field errors.

Typed values are kept as strings for re-display; what cannot be parsed becomes a field error
(English msgid, translated by the newsroom) and nothing is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from service.accounts.errors import N_, FormProblem

TEXTS = (
    "slug", "title_de", "title_en", "short_title_de", "short_title_en", "summary_de",
    "summary_en", "body_de", "body_en", "cta_url", "cta_label_de", "cta_label_en", "topic",
)  # fmt: skip
MAX_LENGTH = {"slug": 80, "title_de": 300, "title_en": 300, "cta_url": 2000}
MAX_LENGTH |= {"cta_label_de": 120, "cta_label_en": 120, "topic": 64}
MAX_LENGTH |= {"short_title_de": 120, "short_title_en": 120}


@dataclass(frozen=True)
class AnnouncementForm:
    """Parsed form: fields for the model, segment slugs, the version the form was based on."""

    fields: dict[str, Any]
    segments: list[str]
    version: int | None


def _number(raw: str, name: str, errors: dict[str, tuple[str, dict[str, Any]]]) -> int | None:
    try:
        return int(raw) if raw.strip() else None
    except ValueError:
        errors[name] = (N_("Enter a whole number."), {})
        return None


def _moment(raw: str, name: str, zone: str, errors: dict[str, tuple[str, dict[str, Any]]]):  # type: ignore[no-untyped-def]
    if not raw.strip():
        return None
    try:
        return datetime.fromisoformat(raw.strip()).replace(tzinfo=ZoneInfo(zone))
    except ValueError:
        errors[name] = (N_("Enter a date and time like 2026-12-24 09:00."), {})
        return None


def parse_announcement_form(
    values: dict[str, str], segments: list[str], zone: str
) -> AnnouncementForm:
    """The announcement form's values (datetime fields are wall-clock time in `zone`)."""
    errors: dict[str, tuple[str, dict[str, Any]]] = {}
    fields: dict[str, Any] = {}
    for name in TEXTS:
        text = values.get(name, "").strip()
        if len(text) > MAX_LENGTH.get(name, 20_000):
            errors[name] = (
                N_("Use at most %(n)s characters."),
                {"n": MAX_LENGTH.get(name, 20_000)},
            )
        fields[name] = text or None
    fields["slug"] = fields["slug"] or ""
    fields["topic"] = fields["topic"] or "general"
    url = fields["cta_url"]
    if url and not url.startswith(("https://", "http://")):
        errors["cta_url"] = (N_("Enter a web address starting with https://."), {})
    fields["priority"] = _number(values.get("priority", ""), "priority", errors) or 100
    coordinator = _number(values.get("coordinator_id", ""), "coordinator_id", errors)
    fields["coordinator_id"] = coordinator
    for name in ("valid_from", "valid_until"):
        fields[name] = _moment(values.get(name, ""), name, zone, errors)
    version = _number(values.get("version", ""), "version", errors)
    if errors:
        raise FormProblem(errors)
    return AnnouncementForm(fields, segments, version)
