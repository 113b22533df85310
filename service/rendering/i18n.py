"""UI strings of the edition templates per language (German and English)."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date
from babel.numbers import format_decimal

from service.errors import InvalidInput

LANGUAGES = ("de", "en")

# `{name}` in greeting stands where the NAME placeholder goes; the filler supplies " Ada" or "".
UI_STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "greeting": "Hello{name},",
        "view_in_browser": "View this edition in your browser",
        "in_this_edition": "In this edition",
        "topic": "Topic",
        "contact": "Contact",
        "reply": "Reply to ask about this",
        "reply_subject": "Question about: {title}",
        "cta_default": "Details on {title}",
        "fallback_note_de": "This announcement is only available in German.",
        "fallback_note_en": "This announcement is only available in English.",
        "why": "You receive this email because you subscribed to {list_name}.",
        "unsubscribe": "Unsubscribe from {list_name}",
        "preferences": "Change your newsletter preferences",
        "sent_by": "Sent by",
        "archive_note": "Web version of this edition.",
        "privacy": "Privacy policy",
        "imprint": "Imprint",
        "contact_us": "Contact",
        "other_language": "Deutsch",
        "issued": "Edition of {date}",
    },
    "de": {
        "greeting": "Hallo{name},",
        "view_in_browser": "Diese Ausgabe im Browser ansehen",
        "in_this_edition": "In dieser Ausgabe",
        "topic": "Thema",
        "contact": "Ansprechperson",
        "reply": "Antworten, um hierzu zu fragen",
        "reply_subject": "Frage zu: {title}",
        "cta_default": "Details zu {title}",
        "fallback_note_de": "Diese Meldung liegt nur auf Deutsch vor.",
        "fallback_note_en": "Diese Meldung liegt nur auf Englisch vor.",
        "why": "Sie erhalten diese E-Mail, weil Sie {list_name} abonniert haben.",
        "unsubscribe": "Von {list_name} abmelden",
        "preferences": "Newsletter-Einstellungen ändern",
        "sent_by": "Herausgegeben von",
        "archive_note": "Webversion dieser Ausgabe.",
        "privacy": "Datenschutzerklärung",
        "imprint": "Impressum",
        "contact_us": "Kontakt",
        "other_language": "English",
        "issued": "Ausgabe vom {date}",
    },
}


def ui_strings(language: str) -> dict[str, str]:
    """The UI strings for a language; an unknown language is a clear input error."""
    try:
        return UI_STRINGS[language]
    except KeyError:
        raise InvalidInput(
            f"edition language must be one of {', '.join(LANGUAGES)}, got {language!r}"
        ) from None


def locale_date(value: date | datetime, language: str) -> str:
    """A date as the language writes it: "1. Dezember 2026" / "December 1, 2026"."""
    return str(format_date(value, format="long", locale=language))


def locale_number(value: float, language: str) -> str:
    """A number with the language's separators: "1.234,5" / "1,234.5"."""
    return str(format_decimal(value, locale=language))
