"""Every edition and public page is in one language: a catalogue check and a transliteration check.

Rendered through the real app (TestClient over `create_app`) and from the stored editions the
sender fills. Two failures are looked for in each output:
- a UI string from the other language's catalogue (mail UI, page texts, archive, consent text,
  topic/list/profile labels, brand): every visible string must come from the page's own one;
- an ASCII transliteration (ae/oe/ue/ss) of a German word that is written with an umlaut or ß
  in our sources ("Ingolstaedter", "Strasse", "fuer"), in either language's output.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import lxml.html
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.api.app import create_app
from service.api.archive import ARCHIVE_UI
from service.api.web_texts import TEXTS
from service.audience.ledger import CONSENT_TEXTS
from service.campaigns.empty_reasons import REASONS
from service.demo import content
from service.rendering.i18n import UI_STRINGS
from service.settings import Settings, get_settings
from tests.db.surface_world import World, build_world

ENDONYMS = {"other_language"}  # the switcher names the other language in that language
MIN_FRAGMENT = 4
TRANSLIT = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)
# The partnership's own names, in case a setting or content item spells them in ASCII.
KNOWN_WORDS = {"Ingolstädter", "Landstraße", "München", "Straße", "für"}
UMLAUT_WORD = re.compile(r"\w*[äöüÄÖÜß]\w*")


def catalogue(language: str) -> dict[str, str]:
    """Every UI string of one language, keyed by where it comes from."""
    settings = Settings()
    entries: dict[str, str] = {}
    for name, table in (("mail", UI_STRINGS), ("page", TEXTS), ("archive", ARCHIVE_UI)):
        entries |= {f"{name}.{k}": v for k, v in table[language].items() if k not in ENDONYMS}
    entries |= {f"consent.{v}": t[language] for v, t in CONSENT_TEXTS.items()}
    for group, labels in (("topic", settings.topic_labels), ("list", settings.list_labels)):
        entries |= {f"{group}.{k}": v[language] for k, v in labels.items()}
    for f in settings.profile_fields:
        entries[f"field.{f.attr}"] = f.label[language]
        entries |= {f"field.{f.attr}.{o}": v[language] for o, v in f.options.items()}
    entries |= {"brand.masthead": settings.brand_masthead[language]}
    entries |= {"brand.logo_alt": settings.brand_logo_alt[language]}
    return entries


def fragments(text: str) -> Iterator[str]:
    """The literal pieces of a catalogue string around its {placeholders}."""
    for piece in re.split(r"\{[a-z_]+\}", text):
        piece = piece.strip(" .,:;·")
        if len(piece) >= MIN_FRAGMENT:
            yield piece


def foreign_fragments(language: str) -> dict[str, str]:
    """Fragments of the other language's strings that never occur in this language's ones."""
    own = " ".join(catalogue(language).values())
    other = "en" if language == "de" else "de"
    return {
        piece: key
        for key, value in catalogue(other).items()
        for piece in fragments(value)
        if piece not in own
    }


def proper_names() -> list[str]:
    """Names of legal entities and offices: identities, the same in every language."""
    settings = get_settings()
    return [settings.org_legal_name, settings.from_name, *(c["name"] for c in content.COORDINATORS)]


def without_names(text: str) -> str:
    """The text with proper names taken out (the catalogue check is about UI strings)."""
    for name in proper_names():
        text = text.replace(name, " ")
    return text


def visible_text(html: str) -> str:
    """What a reader sees or hears: text plus alt/title/aria-label/placeholder values."""
    doc = lxml.html.document_fromstring(html)
    for hidden in doc.xpath("//style|//script|//head"):
        hidden.getparent().remove(hidden)
    attrs = doc.xpath("//@alt|//@title|//@aria-label|//@placeholder")
    return " ".join([doc.text_content(), *map(str, attrs)])


def german_sources() -> set[str]:
    """German words with umlauts or ß in catalogues, settings defaults and demo content."""
    settings = get_settings()
    texts = [*catalogue("de").values(), settings.org_postal_address]
    for item in [*content.ANNOUNCEMENTS, content.CAMPAIGN]:
        texts += [v for k, v in item.items() if k.endswith("_de") and isinstance(v, str)]
    texts += list(REASONS["de"].values())
    return {w for t in texts for w in UMLAUT_WORD.findall(t)} | KNOWN_WORDS


def transliterations() -> dict[str, str]:
    """ASCII spelling -> the real word, for every German source word that has one."""
    return {w.translate(TRANSLIT): w for w in german_sources()}


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def outputs(world: World) -> Iterator[tuple[str, str, str]]:
    """(language, what, visible text) of every edition and every public page in both languages."""
    client = TestClient(create_app())
    for edition in world.editions:
        yield edition.language, f"edition {edition.key} html", visible_text(edition.html)
        yield edition.language, f"edition {edition.key} text", edition.text
    for language, pages in world.pages.items():
        for name, path in pages.items():
            response = client.get(path)
            assert response.status_code == 200, (path, response.text[:300])
            yield language, name, visible_text(response.text)
            other = "en" if language == "de" else "de"
            switched = client.get(path + ("&" if "?" in path else "?") + f"lang={other}")
            if "lang=" not in path and not name.startswith("archive"):
                yield other, f"{name} (switched)", visible_text(switched.text)
        yield from _submitted_pages(client, language, pages)


def _submitted_pages(
    client: TestClient, language: str, pages: dict[str, str]
) -> Iterator[tuple[str, str, str]]:
    """The states after a form is sent: signup sent/refused, confirmed, saved, unsubscribed."""
    form = {"email": f"neu-{language}@example.org", "language": language, "lists": ["newsletter"]}
    refused = client.post("/subscribe", data={**form, "career_stage": "emperor", "consent": "yes"})
    yield language, "signup refused", visible_text(refused.text)
    sent = client.post("/subscribe", data={**form, "consent": "yes"})
    yield language, "signup sent", visible_text(sent.text)
    yield language, "confirmed", visible_text(client.post(pages["confirm"]).text)
    saved = client.post(pages["preferences"], data={"lists": ["newsletter"], "language": language})
    yield language, "preferences saved", visible_text(saved.text)
    done = client.post(pages["unsubscribe"], data={"List-Unsubscribe": "One-Click"})
    yield language, "unsubscribed", visible_text(done.text)


def test_every_output_speaks_one_language_without_transliterations(
    world: World, session: Session
) -> None:
    foreign = {lang: foreign_fragments(lang) for lang in ("de", "en")}
    ascii_forms = transliterations()
    assert "Ingolstaedter" in ascii_forms and "Landstrasse" in ascii_forms
    problems: list[str] = []
    seen = 0
    for language, what, text in outputs(world):
        seen += 1
        ui_text = without_names(text)
        problems += [
            f"{language} {what}: {key} {piece!r} from the other catalogue"
            for piece, key in foreign[language].items()
            if piece in ui_text
        ]
        for word in set(re.findall(r"\w+", text)):
            if word in ascii_forms and word != ascii_forms[word]:
                problems.append(f"{language} {what}: {word!r} should be {ascii_forms[word]!r}")
    assert seen >= 2 * 7 + len(world.editions) * 2, seen
    assert not problems, "\n".join(problems)


def test_the_check_catches_what_it_looks_for() -> None:
    """The detectors themselves: an English string on a German page, a transliteration."""
    assert "View this edition in your browser" in foreign_fragments("de")
    assert "Diese Ausgabe im Browser ansehen" in foreign_fragments("en")
    assert transliterations()["Ingolstaedter"] == "Ingolstädter"
    assert transliterations()["fuer"] == "für"


def test_german_edition_is_german_throughout(world: World) -> None:
    """Masthead, headings, topic names, footer and the date in the German edition."""
    german = next(e for e in world.editions if e.language == "de" and len(e.announcement_ids) > 2)
    text = visible_text(german.html)
    for expected in (
        "Partnerschaft München–Chicago für maschinelles Lernen in der Medizin",
        "In dieser Ausgabe",
        "Thema: Partnerschaft",
        "Datenschutzerklärung",
        "Impressum",
        "Ingolstädter Landstraße 1",
        "Newsletter der Partnerschaft",
    ):
        assert expected in text, expected
    assert "ai-ml" not in text and "Thema: exchange" not in text
    assert re.search(r"Ausgabe vom \d{1,2}\. (Januar|Februar|März|April|Mai|Juni|Juli|August|"
                     r"September|Oktober|November|Dezember) \d{4}", text)  # fmt: skip
    assert "(demo)" not in text  # only the demo command adds it
