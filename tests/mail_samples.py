"""A realistic rendered edition (~25 KB inlined HTML + text) holding every kind of placeholder."""

from __future__ import annotations

from service.rendering.contract import RenderedEdition, link_key, placeholder, reply_key

STYLE = (
    'style="font-family:Helvetica,Arial,sans-serif;font-size:16px;line-height:24px;'
    'color:#1a1a1a;padding:0 0 12px 0;margin:0"'
)
TITLES = [
    "Förderprogramm für Nachwuchsforschende",
    "Workshop: ML in der Klinik",
    "Stellen & Grants",
]


def _announcement(n: int, paragraphs: int) -> tuple[str, str, list[str]]:
    """HTML and text of one announcement, and its links."""
    title = TITLES[n % len(TITLES)]
    links = [f"https://www.example.org/news/{n}?utm=mail&lang=de", f"https://example.com/a{n}"]
    body = " ".join(
        f"Absatz {p}: Die Partnerschaft fördert Projekte zu maschinellem Lernen in der Medizin "
        f"– mit Übersetzungen, Daten & Rechenzeit; Fragen an die Koordination."
        for p in range(paragraphs)
    )
    html = (
        f'        <tr>\n          <td class="announcement" {STYLE}>\n'
        f'            <h2 style="margin:0;font-size:20px">{title}</h2>\n'
        f"            <p {STYLE}>{body}</p>\n"
        f'            <p {STYLE}><a href="{placeholder(link_key(2 * n))}" style="color:#0b5cad">'
        f"Mehr zu {title}</a> · "
        f'<a href="{placeholder(link_key(2 * n + 1))}" style="color:#0b5cad">Programm</a></p>\n'
        f'            <p {STYLE}><a href="mailto:{placeholder(reply_key(n))}?subject=Frage">'
        f"Antworten</a></p>\n          </td>\n        </tr>\n"
    )
    text = (
        f"## {title}\n\n{body}\n\n[Mehr zu {title}]({placeholder(link_key(2 * n))}) · "
        f"[Programm]({placeholder(link_key(2 * n + 1))})\n\n"
        f"Antworten: {placeholder(reply_key(n))}\n\n"
    )
    return html, text, links


def sample_edition(announcements: int = 3, paragraphs: int = 45) -> RenderedEdition:
    """An edition like the renderer's output; the defaults give about 25 KB of HTML."""
    parts = [_announcement(n, paragraphs) for n in range(announcements)]
    html = (
        '<!DOCTYPE html>\n<html lang="de">\n'
        '<head><meta charset="utf-8"><title>News</title></head>\n'
        '<body style="margin:0;padding:0">\n<div class="preheader" style="display:none">'
        "Neu in dieser Ausgabe</div>\n"
        f'<p {STYLE}><a href="{placeholder("WEBURL")}">Im Browser ansehen</a></p>\n'
        f'<table role="presentation" width="100%">\n'
        f"        <tr><td {STYLE}>Hallo{placeholder('NAME')},</td></tr>\n"
        + "".join(p[0] for p in parts)
        + f'</table>\n<p {STYLE}><a href="{placeholder("UNSUBURL")}">Abmelden</a> · '
        f'<a href="{placeholder("PREFSURL")}">Einstellungen</a></p>\n'
        f"<p {STYLE}>Musterstraße 1, 85764 Neuherberg</p>\n"
        f"{placeholder('PIXEL')}\n</body>\n</html>\n"
    )
    text = (
        f"Im Browser ansehen: {placeholder('WEBURL')}\n\nHallo{placeholder('NAME')},\n\n"
        + "".join(p[1] for p in parts)
        + f"Abmelden: {placeholder('UNSUBURL')}\nEinstellungen: {placeholder('PREFSURL')}\n"
        "Musterstraße 1, 85764 Neuherberg\n"
    )
    links = tuple(link for p in parts for link in p[2])
    return RenderedEdition(html=html, text=text, links=links)
