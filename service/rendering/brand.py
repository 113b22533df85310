"""Brand and labels per language: settings, under the admins' overrides from the newsroom
(rendering/brand_store.py); what editions and public pages show."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.media.library import public_url
from service.rendering.contract import Brand
from service.settings import Settings


def _pick(values: dict[str, str], language: str) -> str:
    """The value for `language`, else the English one, else ''."""
    return values.get(language) or values.get("en", "")


def brand_for(
    settings: Settings, language: str, overrides: Mapping[str, Any] | None = None
) -> Brand:
    """The brand of one language: an admin's override where set, else the setting."""
    over = overrides or {}

    def pick(name: str, values: dict[str, str]) -> str:
        return str(over.get(f"{name}_{language}") or "") or _pick(values, language)

    logo = _pick(settings.brand_logo_url, language)
    if over.get("logo") and over.get("logo_key"):
        logo = public_url(settings, int(over["logo"]), str(over["logo_key"]))
    return Brand(
        masthead=pick("masthead", settings.brand_masthead),
        logo_url=logo,
        logo_alt=pick("logo_alt", settings.brand_logo_alt),
        primary=str(over.get("primary") or settings.brand_primary_colour),
        accent=str(over.get("accent") or settings.brand_accent_colour),
        privacy_url=pick("privacy_url", settings.privacy_url),
        imprint_url=pick("imprint_url", settings.imprint_url),
        contact_url=pick("contact_url", settings.contact_url),
    )


def topic_label(settings: Settings, slug: str, language: str) -> str:
    """A topic's name in `language`; an unconfigured slug reads as words, not as a code."""
    labels = settings.topic_labels.get(slug)
    if labels and labels.get(language):
        return labels[language]
    return slug.replace("-", " ").replace("_", " ").capitalize()


def list_label(settings: Settings, slug: str, language: str, fallback: str | None = None) -> str:
    """A mailing list's name in `language` (settings.list_labels, then mailing_lists)."""
    labels = settings.list_labels.get(slug)
    if labels and labels.get(language):
        return labels[language]
    return fallback or settings.mailing_lists.get(slug, slug)
