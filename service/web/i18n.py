"""Newsroom UI catalogs (gettext .po files read at start-up with Babel) and locale formatting.

The .po files under service/web/locale/<lang>/LC_MESSAGES/*.po are the only source:
they are parsed by babel.messages.pofile and compiled in memory, so there is no build step and
no .mo file to forget. msgids are the English texts; en/messages.po exists so English can be
reworded without touching code.
"""

from __future__ import annotations

import datetime as dt
import io
from functools import lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

from service.settings import get_settings

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "en"


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> Translations:
    """The compiled catalog of one language."""
    folder = resources.files("service.web") / "locale" / lang / "LC_MESSAGES"
    merged: Translations | None = None
    for po in sorted((f for f in folder.iterdir() if f.name.endswith(".po")), key=lambda f: f.name):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        part = Translations(buffer)
        merged = part if merged is None else merged.merge(part)
    return merged or Translations()


def gettext(lang: str, message: str, **params: Any) -> str:
    """Translate a msgid into `lang`, filling %(name)s parameters."""
    text = translations(lang if lang in LANGUAGES else DEFAULT_LANGUAGE).gettext(message)
    return text % params if params else text


def pick_language(*candidates: str | None, accept: str | None = None) -> str:
    """The first supported candidate, else the browser's preference, else English."""
    for candidate in candidates:
        if candidate in LANGUAGES:
            return candidate
    if accept:
        wanted = [part.split(";")[0].strip().replace("-", "_") for part in accept.split(",")]
        best = Locale.negotiate(wanted, list(LANGUAGES), sep="_")
        if best is not None:
            return best.language
    return DEFAULT_LANGUAGE


class Formats:
    """Dates, times and numbers in one locale, in the configured time zone."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.tz = ZoneInfo(get_settings().timezone)

    def date(self, value: dt.date | dt.datetime | None, fmt: str = "medium") -> str:
        """A date like '1. Dez. 2026' / 'Dec 1, 2026'."""
        if value is None:
            return "–"
        if isinstance(value, dt.datetime):
            value = self.local(value).date()
        return format_date(value, fmt, locale=self.lang)

    def local(self, value: dt.datetime) -> dt.datetime:
        """The instant in the configured time zone (naive values are UTC, as stored)."""
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(self.tz)

    def datetime(self, value: dt.datetime | None, fmt: str = "medium") -> str:
        """Date and time in the configured time zone."""
        if value is None:
            return "–"
        return format_datetime(value, fmt, tzinfo=self.tz, locale=self.lang)

    def time(self, value: dt.datetime | None) -> str:
        """Hours and minutes."""
        return (
            "–" if value is None else format_time(value, "short", tzinfo=self.tz, locale=self.lang)
        )

    def number(self, value: float | int | None) -> str:
        """1.234 / 1,234."""
        return "–" if value is None else format_decimal(value, locale=self.lang)

    def percent(self, value: float | None, digits: int = 1) -> str:
        """A share like '12,5 %' / '12.5%'."""
        if value is None:
            return "–"
        base = Locale.parse(self.lang).percent_formats[None].pattern  # "#,##0 %" in German
        pattern = base.replace("0", "0." + "0" * digits, 1) if digits else base
        return format_percent(value, pattern, locale=self.lang)
