"""Demo content in German and English, modelled on the partnership's real announcements."""

from __future__ import annotations

from typing import Any

COORDINATORS: list[dict[str, Any]] = [
    {
        "key": "office",
        "name": "Partnership Office",
        "email": "partnership-office@partnership.example.org",
        "office": "Partnership office, Munich",
        "language": "en",
    },
    {
        "key": "stays",
        "name": "Research Stay Coordinator",
        "email": "research-stays@med.chicago.example.edu",
        "office": "Chicago medical school",
        "language": "en",
        "send_acknowledgement": True,
    },
    {
        "key": "aih",
        "name": "Institute of AI for Health Office",
        "email": "aih-office@munich.example.de",
        "office": "Institute of AI for Health",
        "language": "de",
    },
    {
        "key": "conference",
        "name": "Lung Conference Office",
        "email": "lung-conference@partnership.example.org",
        "office": "Munich-Chicago Lung Conference",
        "language": "en",
    },
    {
        "key": "atlas",
        "name": "Lung Cell Atlas Team",
        "email": "atlas-team@munich.example.de",
        "office": "Human Lung Cell Atlas",
        "language": "de",
    },
]

SEGMENTS: list[dict[str, Any]] = [
    {"slug": "everyone", "name": "Everyone", "rule": {"all": []}},
    {
        "slug": "early-career",
        "name": "Early-career researchers",
        "rule": {"attr": "career_stage", "in": ["phd", "postdoc"]},
    },
    {
        "slug": "pis",
        "name": "Principal investigators",
        "rule": {"attr": "career_stage", "eq": "pi"},
    },
    {
        "slug": "clinicians",
        "name": "Clinicians",
        "rule": {
            "any": [
                {"attr": "career_stage", "eq": "clinician"},
                {"attr": "role", "in": ["clinician", "both"]},
            ]
        },
    },
    {"slug": "munich", "name": "Munich-based", "rule": {"attr": "city", "eq": "munich"}},
    {"slug": "chicago", "name": "Chicago-based", "rule": {"attr": "city", "eq": "chicago"}},
    {"slug": "topic-lung", "name": "Topic: lung", "rule": {"attr": "topics", "contains": "lung"}},
    {"slug": "topic-aiml", "name": "Topic: AI/ML", "rule": {"attr": "topics", "contains": "ai-ml"}},
    {
        "slug": "topic-single-cell",
        "name": "Topic: single-cell",
        "rule": {"attr": "topics", "contains": "single-cell"},
    },
    {"slug": "lang-de", "name": "Language German", "rule": {"language": "de"}},
    {"slug": "lang-en", "name": "Language English", "rule": {"language": "en"}},
    {
        "slug": "early-career-aiml",
        "name": "Early-career researchers in AI/ML",
        "rule": {
            "all": [
                {"attr": "career_stage", "in": ["phd", "postdoc"]},
                {"attr": "topics", "contains": "ai-ml"},
            ]
        },
    },
]

ANNOUNCEMENTS: list[dict[str, Any]] = [
    {
        "slug": "mou-signed",
        "short_title_en": "the memorandum",
        "short_title_de": "Absichtserklärung",
        "priority": 10,
        "topic": "partnership",
        "coordinator": "office",
        "segments": ["everyone"],
        "title_en": "Munich and Chicago sign a memorandum of understanding on machine learning in health",
        "title_de": "München und Chicago unterzeichnen Absichtserklärung zu maschinellem Lernen in der Medizin",
        "summary_en": "The two institutions commit to joint research projects, researcher exchange and a shared lung conference.",
        "summary_de": "Beide Einrichtungen vereinbaren gemeinsame Forschungsprojekte, Forschendenaustausch und eine gemeinsame Lungenkonferenz.",
        "body_en": "The memorandum builds on a long collaboration that produced the **human lung cell atlas**. "
        "It covers joint projects, [research stays](https://partnership.example.org/stays) and data-sharing principles.",
        "body_de": "Die Absichtserklärung baut auf einer langen Zusammenarbeit auf, aus der der **Human Lung Cell Atlas** hervorging. "
        "Sie umfasst gemeinsame Projekte, [Forschungsaufenthalte](https://partnership.example.org/de/aufenthalte) und Grundsätze zum Datenaustausch.",
        "cta_url": "https://partnership.example.org/mou",
        "cta_label_en": "Read the memorandum",
        "cta_label_de": "Absichtserklärung lesen",
    },
    {
        "slug": "research-stays",
        "short_title_en": "research stays",
        "short_title_de": "Forschungsaufenthalte",
        "priority": 20,
        "topic": "exchange",
        "coordinator": "stays",
        "segments": ["early-career"],
        "title_en": "Research stays at the Chicago medical school: apply now",
        "title_de": "Forschungsaufenthalte an der Medical School in Chicago: jetzt bewerben",
        "summary_en": "PhD students and postdocs can spend three to six months in a Chicago lab.",
        "summary_de": "Promovierende und Postdocs können drei bis sechs Monate in einem Labor in Chicago verbringen.",
        "body_en": "Send a one-page research plan and a letter from your supervisor. "
        "Questions go to the research-stay coordinator: just reply to this item.",
        "body_de": "Senden Sie einen einseitigen Forschungsplan und ein Schreiben Ihrer Betreuungsperson. "
        "Fragen beantwortet die Koordination der Forschungsaufenthalte: antworten Sie einfach auf diesen Beitrag.",
        "cta_url": "https://partnership.example.org/stays/apply",
        "cta_label_en": "How to apply for a research stay",
        "cta_label_de": "So bewerben Sie sich für einen Forschungsaufenthalt",
    },
    {
        "slug": "seed-funding",
        "short_title_en": "seed funding",
        "short_title_de": "Anschubfinanzierung",
        "priority": 30,
        "topic": "ai-ml",
        "coordinator": "aih",
        "segments": ["early-career-aiml"],
        "title_en": "Bavarian seed funding for deep integrative modelling of multimodal medical data",
        "title_de": "Bayerische Anschubfinanzierung für tiefe integrative Modellierung multimodaler medizinischer Daten",
        "summary_en": "A doctoral researcher starts an international project with a Chicago lab.",
        "summary_de": "Eine Doktorandin startet ein internationales Projekt mit einem Labor in Chicago.",
        "body_en": "The project combines imaging, omics and clinical records in one model. Early-career researchers interested in joining can reply to this item.",
        "body_de": "Das Projekt verbindet Bildgebung, Omics und klinische Daten in einem Modell. Interessierte Nachwuchsforschende können auf diesen Beitrag antworten.",
    },
    {
        "slug": "lung-conference-call",
        "short_title_en": "the lung conference",
        "short_title_de": "Lungenkonferenz",
        "priority": 40,
        "topic": "lung",
        "coordinator": "conference",
        "segments": ["topic-lung", "clinicians"],
        "title_en": "Call for contributions: Munich-Chicago Lung Conference",
        "title_de": "Beiträge gesucht: Lungenkonferenz München-Chicago",
        "summary_en": "Clinicians and scientists are invited to submit abstracts for talks and posters.",
        "summary_de": "Klinikerinnen, Kliniker und Forschende sind eingeladen, Abstracts für Vorträge und Poster einzureichen.",
        "body_en": "This year's conference alternates to Chicago. Abstracts of up to 300 words are welcome.",
        "body_de": "Die Konferenz findet in diesem Jahr in Chicago statt. Abstracts mit bis zu 300 Wörtern sind willkommen.",
        "cta_url": "https://partnership.example.org/lung-conference/submit",
        "cta_label_en": "Submit an abstract to the lung conference",
        "cta_label_de": "Abstract für die Lungenkonferenz einreichen",
    },
    {
        "slug": "lung-atlas-release",
        "short_title_en": "the lung cell atlas",
        "short_title_de": "Lungenzellatlas",
        "priority": 50,
        "topic": "single-cell",
        "coordinator": "atlas",
        "segments": ["topic-single-cell", "topic-lung"],
        "title_en": "Human lung cell atlas: new release and training workshop",
        # No German translation yet: the German edition shows the English text with a note.
        "title_de": None,
        "summary_en": "The new release adds disease samples; a hands-on workshop shows how to map your own data.",
        "body_en": "Places in the workshop are limited. Reply to this item to ask the atlas team about data access.",
        "cta_url": "https://partnership.example.org/atlas/workshop",
        "cta_label_en": "Register for the atlas workshop",
        "cta_label_de": "Zum Atlas-Workshop anmelden",
    },
]

CAMPAIGN: dict[str, Any] = {
    "name": "Partnership newsletter (demo)",
    # Each edition's subject names only its own items (issue 14: a fixed list of three promised
    # 116 of 339 readers what their mail did not hold).
    "subject_en": "Partnership news: {{ announcements }}",
    "subject_de": "Neues aus der Partnerschaft: {{ announcements }}",
    "intro_en": "Dear readers, here is what is new in the {{ list_name }}.",
    "intro_de": "Liebe Leserinnen und Leser, hier sind die Neuigkeiten aus dem {{ list_name }}.",
    "list_slug": "newsletter",  # a configured list (NEWSDESK_MAILING_LISTS)
    "list_name": "Partnership Newsletter",
    "segments": ["everyone"],
}
