"""Turn the newsroom's campaign form into save_campaign's arguments, with field errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import available_timezones

from service.accounts.errors import N_, FormProblem
from service.campaigns.edition_subjects import set_key_of_field
from service.settings import get_settings

TEXTS = {"name": 200, "subject_de": 300, "subject_en": 300, "intro_de": 20_000, "intro_en": 20_000}
SUBJECT_PREFIX = "edition-subject-"  # the edition matrix's fields (edition_subjects.FIELD_PREFIX)
SUBJECT_LIMIT = 300
ZONES = ("Europe/Berlin", "America/Chicago", "UTC")  # offered first; any IANA zone is accepted


@dataclass(frozen=True)
class CampaignForm:
    """Parsed form: fields, target and excluded segment slugs, picked announcement ids."""

    fields: dict[str, Any]
    include: list[str]
    exclude: list[str]
    announcements: list[int]
    version: int | None
    edition_subjects: dict[str, str] = field(default_factory=dict)  # set key -> subject


def check_zone(zone: str, errors: dict[str, tuple[str, dict[str, Any]]]) -> None:
    """A field error unless `zone` is an IANA time zone name."""
    if zone not in ZONES and zone not in available_timezones():
        errors["timezone"] = (N_("Choose a time zone such as Europe/Berlin."), {})


def parse_campaign_form(
    values: dict[str, str], *, include: list[str], exclude: list[str], picks: list[str]
) -> CampaignForm:
    """The campaign form's values; every problem at once, nothing saved."""
    errors: dict[str, tuple[str, dict[str, Any]]] = {}
    fields: dict[str, Any] = {}
    for name, limit in TEXTS.items():
        text = values.get(name, "").strip()
        if len(text) > limit:
            errors[name] = (N_("Use at most %(n)s characters."), {"n": limit})
        fields[name] = text or None
    for name in ("name", "subject_de", "subject_en"):
        if not fields[name]:
            errors[name] = (N_("This cannot be empty."), {})
    lists = get_settings().mailing_lists
    slug = values.get("list_slug", "").strip() or get_settings().signup_default_list
    if slug not in lists:  # consent is per list: a campaign goes to one configured list
        errors["list_slug"] = (N_("Choose one of the configured mailing lists."), {})
    else:
        fields["list_slug"], fields["list_name"] = slug, lists[slug]
    fields["timezone"] = values.get("timezone", "Europe/Berlin").strip() or "Europe/Berlin"
    check_zone(fields["timezone"], errors)
    if not include:
        errors["segments"] = (N_("Choose at least one target segment."), {})
    both = sorted(set(include) & set(exclude))
    if both:
        errors["exclude_segments"] = (N_("A segment cannot be targeted and excluded."), {})
    ids = [int(p) for p in picks if p.isdigit()]
    raw_version = values.get("version", "")
    version = int(raw_version) if raw_version.isdigit() else None
    subjects = edition_subject_fields(values, errors)
    if errors:
        raise FormProblem(errors)
    return CampaignForm(fields, include, exclude, ids, version, subjects)


def edition_subject_fields(
    values: dict[str, str], errors: dict[str, tuple[str, dict[str, Any]]]
) -> dict[str, str]:
    """The edition matrix's subject fields (`edition-subject-de-3-7`) by set key, each checked."""
    found = {}
    for name, raw in values.items():
        if not name.startswith(SUBJECT_PREFIX):
            continue
        text = raw.strip()
        if len(text) > SUBJECT_LIMIT:
            errors[name] = (N_("Use at most %(n)s characters."), {"n": SUBJECT_LIMIT})
        elif any(c in text for c in "\r\n\x00"):
            errors[name] = (N_("A subject must be a single line."), {})
        found[set_key_of_field(name)] = text
    return found
