"""Default labels and form fields of the settings object (kept apart so settings.py stays short)."""

from __future__ import annotations

from typing import Any

# Mailing lists by slug -> name per language (editions, signup, preferences, unsubscribe pages).
LIST_LABELS: dict[str, dict[str, str]] = {
    "newsletter": {"de": "Newsletter der Partnerschaft", "en": "Partnership Newsletter"},
    "ecr": {"de": "Nachwuchsforschende", "en": "Early-Career Researchers"},
    "partnership-news": {"de": "Newsletter der Partnerschaft", "en": "Partnership Newsletter"},
}

# Topic slugs -> label per language; an edition shows the label, never the slug.
TOPIC_LABELS: dict[str, dict[str, str]] = {
    "partnership": {"de": "Partnerschaft", "en": "Partnership"},
    "exchange": {"de": "Austausch", "en": "Exchange"},
    "ai-ml": {"de": "KI und maschinelles Lernen", "en": "AI and machine learning"},
    "lung": {"de": "Lungenforschung", "en": "Lung research"},
    "single-cell": {"de": "Einzelzellforschung", "en": "Single-cell research"},
    "clinical": {"de": "Klinische Forschung", "en": "Clinical research"},
    "research-stays": {"de": "Forschungsaufenthalte", "en": "Research stays"},
}

# Fields of the signup form and the preference centre; `attr` is what segment rules read.
PROFILE_FIELDS: list[dict[str, Any]] = [
    {
        "attr": "career_stage",
        "kind": "choice",
        "label": {"de": "Karrierestufe", "en": "Career stage"},
        "options": {
            "phd": {
                "de": "Nachwuchsforschende: Promotion",
                "en": "Early-career researcher: doctoral student",
            },
            "postdoc": {
                "de": "Nachwuchsforschende: Postdoc",
                "en": "Early-career researcher: postdoc",
            },
            "pi": {"de": "Gruppenleitung", "en": "Principal investigator"},
            "clinician": {"de": "Ärztin oder Arzt", "en": "Physician"},
            "staff": {"de": "Wissenschaftsmanagement", "en": "Research management"},
        },
    },
    {
        "attr": "role",
        "kind": "choice",
        "label": {"de": "Tätigkeit", "en": "Work"},
        "options": {
            "clinician": {"de": "Klinisch tätig", "en": "Clinician"},
            "researcher": {"de": "Forschend tätig", "en": "Researcher"},
            "both": {"de": "Beides", "en": "Both"},
        },
    },
    {
        "attr": "institution",
        "kind": "text",
        "label": {"de": "Einrichtung", "en": "Institution"},
        "max_length": 120,
    },
]
