"""Editions named by what they are: "Deutsch: Absichtserklärung unterzeichnet, Forschungs…".

An edition key (`de:5`) is the language and a bit mask over the campaign's plan; readers of a
report need the language and the announcements instead.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from service.models import Announcement, Edition

LANGUAGE_NAMES = {
    "en": {"de": "German", "en": "English"},
    "de": {"de": "Deutsch", "en": "Englisch"},
}
TITLE_CHARS = 40


def short_title(title: str, limit: int = TITLE_CHARS) -> str:
    """A title cut at a word boundary with an ellipsis when it is longer than `limit`."""
    if len(title) <= limit:
        return title
    return title[:limit].rsplit(" ", 1)[0].rstrip(",:;–-") + "…"


def edition_names(session: Session, *, campaign_id: int, ui: str = "en") -> dict[str, str]:
    """Edition key -> "Language: title, title" (titles in the edition's language)."""
    editions = list(session.exec(select(Edition).where(Edition.campaign_id == campaign_id)))
    ids = {i for e in editions for i in e.announcement_ids}
    query = select(Announcement).where(col(Announcement.id).in_(ids))
    found = {a.id: a for a in session.exec(query)} if ids else {}
    names = LANGUAGE_NAMES.get(ui, LANGUAGE_NAMES["en"])
    out = {}
    for e in editions:
        titles = []
        for i in e.announcement_ids:
            a = found.get(i)
            if a is not None:
                own = a.title_de if e.language == "de" else a.title_en
                titles.append(short_title(own or a.title_en or a.title_de or a.slug))
        out[e.key] = f"{names.get(e.language, e.language)}: {', '.join(titles) or '–'}"
    return out
