"""Brand and labels per language, read from settings: what editions and public pages show."""

from __future__ import annotations

from service.rendering.contract import Brand
from service.settings import Settings


def _pick(values: dict[str, str], language: str) -> str:
    """The value for `language`, else the English one, else ''."""
    return values.get(language) or values.get("en", "")


def brand_for(settings: Settings, language: str) -> Brand:
    """The brand of one language."""
    return Brand(
        masthead=_pick(settings.brand_masthead, language),
        logo_url=_pick(settings.brand_logo_url, language),
        logo_alt=_pick(settings.brand_logo_alt, language),
        primary=settings.brand_primary_colour,
        accent=settings.brand_accent_colour,
        privacy_url=_pick(settings.privacy_url, language),
        imprint_url=_pick(settings.imprint_url, language),
        contact_url=_pick(settings.contact_url, language),
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
