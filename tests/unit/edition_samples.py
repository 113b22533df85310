"""Sample editions like CONTEXT.md's demo content, in German and English, for rendering tests."""

from __future__ import annotations

from datetime import date

from service.rendering.brand import brand_for, topic_label
from service.rendering.contract import AnnouncementView, EditionInput, OrgIdentity
from service.rendering.markdown import render_markdown
from service.settings import Settings

PUBLIC_URL = "https://news.partnership.example.org"
ORG = OrgIdentity(
    legal_name="Munich-Chicago Partnership for Machine Learning in Health (demo)",
    postal_address="Ingolstädter Landstraße 1, 85764 Neuherberg, Germany",
    public_url=PUBLIC_URL,
)

# (id, topic, coordinator, {lang: (title, summary, body)}, cta url, image)
_ITEMS: list[tuple[int, str, str, dict[str, tuple[str, str, str]], str | None, bool]] = [
    (
        1,
        "partnership",
        "Partnership office",
        {
            "en": (
                "Memorandum of understanding signed",
                "Munich and Chicago join forces on machine learning in health research.",
                "The two institutions signed a **memorandum of understanding** to advance "
                "machine learning in health care together.\n\n"
                "Read the [full statement](https://partnership.example.org/mou?lang=en&src=nl).",
            ),
            "de": (
                "Absichtserklärung unterzeichnet",
                "München und Chicago bündeln Kräfte für maschinelles Lernen in der Medizin.",
                "Die beiden Einrichtungen haben eine **Absichtserklärung** unterzeichnet, um "
                "maschinelles Lernen in der Gesundheitsforschung gemeinsam voranzubringen.\n\n"
                "Lesen Sie die [vollständige Erklärung](https://partnership.example.org/mou?lang=de&src=nl).",
            ),
        },
        None,
        True,
    ),
    (
        2,
        "research-stays",
        "Research-stay coordinator, Chicago",
        {
            "en": (
                "Research stays in Chicago for early-career researchers",
                "PhD students and postdocs can apply for stays of three to six months.",
                "### How to apply\n\n1. Talk to your supervisor.\n2. Send a one-page plan.\n3. "
                "Apply by 31 January.\n\nQuestions? Write to "
                "[the stays team](mailto:stays@partnership.example.org).",
            ),
            "de": (
                "Forschungsaufenthalte in Chicago für Nachwuchsforschende",
                "Promovierende und Postdocs können sich für drei bis sechs Monate bewerben.",
                "### So bewerben Sie sich\n\n1. Sprechen Sie mit Ihrer Betreuung.\n2. Senden Sie "
                "einen einseitigen Plan.\n3. Bewerben Sie sich bis 31. Januar.\n\nFragen? "
                "Schreiben Sie [dem Team für Aufenthalte](mailto:stays@partnership.example.org).",
            ),
        },
        "https://partnership.example.org/research-stays",
        False,
    ),
    (
        3,
        "ai-ml",
        "Office of the Institute of AI for Health",
        {
            "en": (
                "Seed funding for deep integrative modelling",
                "A doctoral researcher receives Bavarian seed funding for a Chicago collaboration.",
                "The project models *multimodal medical data* together with a Chicago lab.",
            ),
        },
        "https://partnership.example.org/seed-funding",
        False,
    ),
    (
        4,
        "lung",
        "Conference office",
        {
            "en": (
                "Call for contributions: Munich–Chicago lung conference",
                "Clinicians and scientists are invited to submit abstracts.",
                "Submit your abstract on the [conference website](https://lung-conference.example.org/call).",
            ),
            "de": (
                "Beiträge gesucht: Lungenkonferenz München–Chicago",
                "Klinikerinnen, Kliniker und Forschende sind eingeladen, Abstracts einzureichen.",
                "Reichen Sie Ihr Abstract auf der "
                "[Konferenz-Website](https://lung-conference.example.org/call) ein.",
            ),
        },
        "https://lung-conference.example.org/call",
        False,
    ),
    (
        5,
        "single-cell",
        "Lung cell atlas team",
        {
            "en": (
                "Human lung cell atlas: new release and training workshop",
                "The atlas release adds new cell types; a hands-on workshop follows.",
                "- New release with annotated cell types\n- Two-day workshop in Munich\n\n"
                "See the [release notes](https://atlas.example.org/releases/2026).",
            ),
            "de": (
                "Lungenzellatlas: neue Version und Schulungsworkshop",
                "Die neue Atlas-Version ergänzt Zelltypen; ein Praxis-Workshop folgt.",
                "- Neue Version mit annotierten Zelltypen\n- Zweitägiger Workshop in München\n\n"
                "Zu den [Versionshinweisen](https://atlas.example.org/releases/2026).",
            ),
        },
        None,
        False,
    ),
]

SUBJECTS = {
    "en": "Partnership news: research stays, seed funding and the lung atlas",
    "de": "Neues aus der Partnerschaft: Forschungsaufenthalte, Förderung und Lungenatlas",
}
LIST_NAMES = {"en": "Partnership Newsletter", "de": "Partnerschafts-Newsletter"}
CTA_LABELS = {
    "en": {
        2: "Apply for a research stay",
        3: "Read about the seed funding",
        4: "Submit an abstract",
    },
    "de": {
        2: "Für einen Forschungsaufenthalt bewerben",
        3: "Über die Anschubfinanzierung lesen",
        4: "Abstract einreichen",
    },
}


def announcement(item_id: int, language: str) -> AnnouncementView:
    """One demo announcement in a language, falling back to the other with a note."""
    ident, topic, coordinator, texts, cta, has_image = next(i for i in _ITEMS if i[0] == item_id)
    shown = language if language in texts else next(iter(texts))
    title, summary, body = texts[shown]
    return AnnouncementView(
        id=ident,
        title=title,
        summary_html=render_markdown(summary),
        body_html=render_markdown(body),
        topic=topic_label(Settings(), topic, language),
        coordinator_name=coordinator,
        cta_url=cta,
        cta_label=CTA_LABELS[language].get(ident) if cta else None,
        image_url=f"{PUBLIC_URL}/static/mou-signing.png" if has_image else None,
        image_alt=(
            "Representatives of both institutions signing the memorandum"
            if language == "en"
            else "Vertreterinnen und Vertreter beider Einrichtungen bei der Unterzeichnung"
        )
        if has_image
        else "",
        fallback_language=None if shown == language else shown,
    )


def sample_edition(language: str, ids: tuple[int, ...] = (1, 2, 3, 4, 5)) -> EditionInput:
    """A demo edition with the given announcements in priority order."""
    intro = {
        "en": "Here is what is new in the partnership this month.",
        "de": "Das ist neu in der Partnerschaft in diesem Monat.",
    }[language]
    return EditionInput(
        language=language,
        subject=SUBJECTS[language],
        list_name=LIST_NAMES[language],
        org=ORG,
        announcements=tuple(announcement(i, language) for i in ids),
        intro_html=render_markdown(intro),
        brand=brand_for(Settings(), language),
        issued=date(2026, 12, 1),
    )
