"""Public pages: the web archive per language, its Atom feed, and the personal "view in browser"."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, Response
from lxml import etree

from service.addressing.tokens import codec
from service.api.deps import SessionDep
from service.api.public_pages import chrome
from service.campaigns.archive import ArchiveEntry, archive_entries, archived_edition_html
from service.campaigns.editions import org_identity
from service.campaigns.subscriber_view import web_view_html
from service.errors import NewsdeskError, NotFound
from service.models._common import utcnow
from service.rendering.environment import system_environment
from service.rendering.i18n import locale_date
from service.settings import get_settings

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
Lang = Annotated[str, Path(pattern="^(de|en)$")]
NOT_FOUND_PAGE = "<!DOCTYPE html><html lang=en><title>Not found</title><p>Not found.</p></html>"
PRIVATE_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",  # the URL carries the reader's token
}
ARCHIVE_UI: dict[str, dict[str, str]] = {
    "en": {
        "title": "Newsletter archive",
        "feed": "Atom feed",
        "other_language": "Deutsch",
        "empty": "No editions have been published yet.",
    },
    "de": {
        "title": "Newsletter-Archiv",
        "feed": "Atom-Feed",
        "other_language": "English",
        "empty": "Bisher wurden keine Ausgaben veröffentlicht.",
    },
}

router = APIRouter(tags=["public"])


def _base() -> str:
    return get_settings().public_url.rstrip("/")


def _entry_url(lang: str, campaign_id: int) -> str:
    return f"{_base()}/archive/{lang}/{campaign_id}"


@router.get("/archive/{lang}", response_class=HTMLResponse)
def archive_index(lang: Lang, session: SessionDep) -> str:
    """Past public editions in one language, newest first."""
    settings = get_settings()
    other = "en" if lang == "de" else "de"
    template = system_environment().get_template("web/archive.html.j2")
    return template.render(
        lang=lang,
        ui=ARCHIVE_UI[lang],
        org=org_identity(settings),
        chrome=chrome(lang, switch_url=f"{_base()}/archive/{other}"),
        date_label=lambda when: locale_date(when, lang),
        entries=archive_entries(session, language=lang),
        entry_url=lambda cid: _entry_url(lang, cid),
        feed_url=f"{_base()}/archive/{lang}/feed.atom",
        other_url=f"{_base()}/archive/{other}",
        other_lang=other,
    )


def _rfc3339(when: datetime) -> str:
    return when.isoformat(timespec="seconds").replace("+00:00", "Z")


def atom_feed(lang: str, entries: list[ArchiveEntry]) -> bytes:
    """An Atom 1.0 (RFC 4287) document for the archive of one language."""
    settings = get_settings()
    feed_url = f"{_base()}/archive/{lang}/feed.atom"

    def sub(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
        element = etree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        element.text = text
        return element

    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", lang)
    sub(feed, "id", feed_url)
    sub(feed, "title", f"{ARCHIVE_UI[lang]['title']}: {settings.org_legal_name}")
    sub(feed, "updated", _rfc3339(entries[0].sent_at if entries else utcnow()))
    sub(sub(feed, "author"), "name", settings.org_legal_name)
    sub(feed, "link", rel="self", type="application/atom+xml", href=feed_url)
    sub(feed, "link", rel="alternate", type="text/html", href=f"{_base()}/archive/{lang}")
    for item in entries:
        url = _entry_url(lang, item.campaign_id)
        entry = sub(feed, "entry")
        sub(entry, "id", url)
        sub(entry, "title", item.subject)
        sub(entry, "updated", _rfc3339(item.sent_at))
        sub(entry, "published", _rfc3339(item.sent_at))
        sub(entry, "link", rel="alternate", type="text/html", href=url)
        sub(entry, "summary", " · ".join(item.titles), type="text")
    return bytes(etree.tostring(feed, xml_declaration=True, encoding="utf-8"))


# Declared before /archive/{lang}/{campaign_id} so "feed.atom" is not taken for an id.
@router.get("/archive/{lang}/feed.atom")
def archive_feed(lang: Lang, session: SessionDep) -> Response:
    """Atom feed of the public editions in one language."""
    body = atom_feed(lang, archive_entries(session, language=lang))
    return Response(content=body, media_type=ATOM_TYPE)


@router.get("/archive/{lang}/{campaign_id}", response_class=HTMLResponse)
def archive_edition(lang: Lang, campaign_id: int, session: SessionDep) -> str:
    """One public edition in one language, without any personal data."""
    if not 0 < campaign_id < 2**31:  # beyond the id column: no such campaign, not a 500
        raise NotFound(f"campaign {campaign_id} is not in the archive")
    other = "en" if lang == "de" else "de"
    return archived_edition_html(
        session,
        campaign_id=campaign_id,
        language=lang,
        switch_url=f"{_base()}/archive/{other}/{campaign_id}",
    )


@router.get("/w/{token}", response_class=HTMLResponse)
def web_view(token: str, session: SessionDep, lang: str | None = None) -> HTMLResponse:
    """A reader's own edition in the browser (?lang= switches); forged tokens get one 404."""
    ids = codec().decode_webview(token)
    if ids is None:
        return HTMLResponse(NOT_FOUND_PAGE, status_code=404, headers=PRIVATE_HEADERS)
    try:
        html = web_view_html(
            session,
            campaign_id=ids.campaign_id,
            subscriber_id=ids.subscriber_id,
            language=lang if lang in ("de", "en") else None,
            path=f"/w/{token}",
        )
    except NewsdeskError:
        return HTMLResponse(NOT_FOUND_PAGE, status_code=404, headers=PRIVATE_HEADERS)
    return HTMLResponse(html, headers=PRIVATE_HEADERS)
