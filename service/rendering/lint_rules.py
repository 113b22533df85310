"""What each lint finding means for a comms officer: does it block, and what to do, per language.

Tiers: `blocks` (the mail would break: clipped, unreadable, unlawful, links or images that do not
work), `advice` (worth fixing, the mail still works), `trivia` (a client that ignores a detail we
already work around; shown only with --all / ?all=true). Only `blocks` stops scheduling.
"""

from __future__ import annotations

from typing import Literal

Tier = Literal["blocks", "advice", "trivia"]
TIER_ORDER: dict[str, int] = {"blocks": 0, "advice": 1, "trivia": 2}

# code -> (tier of its errors, advice in English, advice in German)
RULES: dict[str, tuple[Tier, str, str]] = {
    "size": (
        "blocks",
        "The mail is too long: Gmail cuts it off after about 100 KB and hides the unsubscribe "
        "link. Shorten the texts or move announcements to another edition.",
        "Die E-Mail ist zu lang: Gmail schneidet sie nach etwa 100 KB ab und versteckt den "
        "Abmeldelink. Kürzen Sie die Texte oder verschieben Sie Meldungen in eine andere Ausgabe.",
    ),
    "unsubscribe": (
        "blocks",
        "There is no unsubscribe link. Use the standard layout, which adds it to the footer.",
        "Es fehlt der Abmeldelink. Verwenden Sie das Standardlayout, das ihn in die Fußzeile "
        "setzt.",
    ),
    "postal-address": (
        "blocks",
        "The postal address is missing; the law requires it. Ask an admin to set it in the "
        "settings.",
        "Die Postanschrift fehlt, sie ist gesetzlich vorgeschrieben. Bitten Sie eine "
        "Administratorin oder einen Administrator, sie in den Einstellungen einzutragen.",
    ),
    "text-part": (
        "blocks",
        "A link is missing from the plain-text version. Write links as normal Markdown links.",
        "Ein Link fehlt in der Textversion. Schreiben Sie Links als normale Markdown-Links.",
    ),
    "charset": (
        "blocks",
        "The character set is missing, so umlauts may arrive garbled. Use the standard layout.",
        "Der Zeichensatz fehlt, Umlaute kämen verstümmelt an. Verwenden Sie das Standardlayout.",
    ),
    "forbidden-element": (
        "blocks",
        "The text contains something mail programs remove (a script, form or embedded frame). "
        "Remove it; link to a web page instead.",
        "Der Text enthält etwas, das E-Mail-Programme entfernen (Skript, Formular, eingebetteter "
        "Rahmen). Entfernen Sie es und verlinken Sie stattdessen eine Webseite.",
    ),
    "style-size": (
        "blocks",
        "Too much styling: Gmail then drops all of it. Use the standard layout.",
        "Zu viele Stilangaben: Gmail verwirft sie dann alle. Verwenden Sie das Standardlayout.",
    ),
    "style-in-body": (
        "blocks",
        "Styling inside the text is dropped by Gmail. Remove it from the text.",
        "Stilangaben im Text verwirft Gmail. Entfernen Sie sie aus dem Text.",
    ),
    "style-not-inlined": (
        "blocks",
        "Some styling would be lost in Gmail. Use the standard layout.",
        "Einige Stilangaben gingen in Gmail verloren. Verwenden Sie das Standardlayout.",
    ),
    "url": (
        "blocks",
        "A link or image address does not work in mail (not https, not our own host, or an "
        "internal address). Correct the address.",
        "Eine Link- oder Bildadresse funktioniert in E-Mails nicht (kein https, nicht unser "
        "Server oder eine interne Adresse). Korrigieren Sie die Adresse.",
    ),
    "image-type": (
        "blocks",
        "An image is in a format many mail programs cannot show. Upload it as PNG, JPEG or GIF.",
        "Ein Bild hat ein Format, das viele E-Mail-Programme nicht zeigen. Laden Sie es als PNG, "
        "JPEG oder GIF hoch.",
    ),
    "merge-tag": (
        "blocks",
        "A placeholder in the subject or a title is unknown and would be sent literally. Use "
        '{{ first_name }}, {{ last_name }} or {{ name }}, optionally with | default("…").',
        "Ein Platzhalter im Betreff oder in einem Titel ist unbekannt und würde wörtlich "
        "verschickt. Verwenden Sie {{ first_name }}, {{ last_name }} oder {{ name }}, "
        'gegebenenfalls mit | default("…").',
    ),
    "img-alt": (
        "advice",
        "An image has no description. Add alt text: readers with images off or a screen reader "
        "see only that.",
        "Ein Bild hat keine Beschreibung. Ergänzen Sie einen Alternativtext: Wer Bilder "
        "ausgeschaltet hat oder einen Screenreader nutzt, sieht nur diesen.",
    ),
    "link-text": (
        "advice",
        'A link says only "here" or "more". Name where it leads, e.g. "Apply for a research stay".',
        "Ein Link sagt nur „hier“ oder „mehr“. Nennen Sie das Ziel, z. B. „Für einen "
        "Forschungsaufenthalt bewerben“.",
    ),
    "heading-order": (
        "advice",
        "Headings skip a level. Use the title field for headings instead of bold text.",
        "Überschriften überspringen eine Ebene. Nutzen Sie das Titelfeld statt fetter Schrift.",
    ),
    "preheader": (
        "advice",
        "The preview text shown in the inbox is missing, too short or repeats the subject. "
        "Write one sentence that adds to the subject.",
        "Der Vorschautext im Posteingang fehlt, ist zu kurz oder wiederholt den Betreff. "
        "Schreiben Sie einen Satz, der den Betreff ergänzt.",
    ),
    "lang": (
        "advice",
        "The edition does not say its language. Use the standard layout.",
        "Die Ausgabe gibt ihre Sprache nicht an. Verwenden Sie das Standardlayout.",
    ),
    "title": (
        "advice",
        "The edition has no title. Use the standard layout.",
        "Die Ausgabe hat keinen Titel. Verwenden Sie das Standardlayout.",
    ),
    "table-role": (
        "advice",
        "A layout table lacks its screen-reader hint. Use the standard layout.",
        "Einer Layouttabelle fehlt der Hinweis für Screenreader. Verwenden Sie das Standardlayout.",
    ),
    "caniemail": (
        "blocks",
        "The layout relies on something an important mail program does not support. Use the "
        "standard layout or remove the special formatting.",
        "Das Layout nutzt etwas, das ein wichtiges E-Mail-Programm nicht kann. Verwenden Sie das "
        "Standardlayout oder entfernen Sie die Sonderformatierung.",
    ),
    "subject-names": (
        "blocks",
        "The subject names an announcement this edition does not hold, so its readers are "
        "promised something their mail lacks. Put {{ announcements }} in the subject (it lists "
        "each edition's own items) or write a subject for this edition in the edition matrix.",
        "Der Betreff nennt eine Meldung, die diese Ausgabe nicht enthält; ihren Leserinnen und "
        "Lesern wird etwas versprochen, das fehlt. Setzen Sie {{ announcements }} in den Betreff "
        "(es nennt die Meldungen jeder Ausgabe) oder schreiben Sie in der Ausgabenmatrix einen "
        "Betreff für diese Ausgabe.",
    ),
}
TRIVIA_ADVICE = (
    "A mail program ignores a detail we already work around. Nothing to do.",
    "Ein E-Mail-Programm ignoriert ein Detail, für das wir schon vorgesorgt haben. Nichts zu tun.",
)
UNKNOWN_ADVICE = ("Check this finding with the team.", "Prüfen Sie diesen Befund mit dem Team.")


def rule_of(code: str) -> str:
    """The rule a finding belongs to: 'caniemail:css-gap' -> 'caniemail'."""
    return code.split(":", 1)[0]


def tier_of(code: str, level: str) -> Tier:
    """Whether a finding blocks, is advice, or is client-support trivia."""
    rule = rule_of(code)
    if level == "warning":
        return "trivia" if rule == "caniemail" else "advice"
    return RULES[rule][0] if rule in RULES else "blocks"


def advice(rule: str, tier: Tier, language: str) -> str:
    """Plain words on what to do, in the user's language."""
    index = 1 if language == "de" else 0
    if tier == "trivia":
        return TRIVIA_ADVICE[index]
    if rule in RULES:
        return RULES[rule][1 + index]
    return UNKNOWN_ADVICE[index]
