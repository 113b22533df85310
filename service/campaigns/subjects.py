"""Subjects per edition: an override per announcement set, or the language's subject, whose
`{{ announcements }}` lists the edition's own short titles; and the lint that refuses a subject
naming an announcement its edition does not hold (issue 14, item 6).

An override is keyed by language and the sorted ids of the announcements the edition shows, not
by the edition key's mask: the mask's bits follow the plan's order, which moves when picks change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from service.errors import InvalidInput
from service.mail.headers import FORBIDDEN_IN_HEADERS
from service.models import Announcement, Campaign
from service.rendering.lint import LintProblem

AUTO_TAG = re.compile(r"\{\{\s*announcements\s*\}\}")
MAX_NAMED = 3  # a generated subject names this many, then "and N more"
MAX_SUBJECT = 300
MIN_NAME = 3  # shorter titles are too common a word to count as naming an item
JOIN = {"en": (", ", " and ", " and {n} more"), "de": (", ", " und ", " und {n} weitere")}
ONE_MORE = {"en": " and one more", "de": " und eine weitere"}


def set_key(language: str, ids: Iterable[int]) -> str:
    """The identity of an announcement set in a language: "de:3,7" (ids sorted)."""
    return f"{language}:{','.join(str(i) for i in sorted(ids))}"


def short_name(announcement: Announcement, language: str, shown: str | None = None) -> str:
    """How a subject in `language` names the announcement (shown in `shown`): short title first."""
    fields = [
        f"short_title_{language}",
        f"short_title_{shown or language}",
        f"title_{shown or language}",
    ]
    for field in fields:
        text = getattr(announcement, field, None)
        if text and text.strip():
            return str(text).strip()
    return ""


def names_of(announcement: Announcement, language: str) -> list[str]:
    """Every text that names the announcement in `language` (the other one if it has none)."""
    found = [getattr(announcement, f"{f}_{language}", None) for f in ("title", "short_title")]
    if not any(found):
        other = "en" if language == "de" else "de"
        found = [getattr(announcement, f"{f}_{other}", None) for f in ("title", "short_title")]
    return [t.strip() for t in found if t and len(t.strip()) >= MIN_NAME]


def listed(names: Sequence[str], language: str) -> str:
    """ "a, b and c" in the language, naming at most MAX_NAMED and counting the rest."""
    comma, last, more = JOIN.get(language, JOIN["en"])
    shown = [n for n in names if n]
    if len(shown) > MAX_NAMED:
        rest = len(shown) - MAX_NAMED
        tail = ONE_MORE.get(language, ONE_MORE["en"]) if rest == 1 else more.format(n=rest)
        return comma.join(shown[:MAX_NAMED]) + tail
    if len(shown) <= 1:
        return "".join(shown)
    return comma.join(shown[:-1]) + last + shown[-1]


def override_for(campaign: Campaign, language: str, ids: Iterable[int]) -> str | None:
    """The subject written for exactly this edition, if any."""
    wanted = set_key(language, ids)
    for entry in campaign.edition_subjects or []:
        if set_key(entry["language"], entry["announcement_ids"]) == wanted:
            return str(entry["subject"])
    return None


def edition_subject(
    campaign: Campaign, *, language: str, shown: Sequence[tuple[Announcement, str]]
) -> str:
    """The subject of the edition showing `shown` (announcement, language it is shown in)."""
    ids = [a.id for a, _ in shown if a.id is not None]
    written = override_for(campaign, language, ids)
    if written is None:
        written = campaign.subject_de if language == "de" else campaign.subject_en
    template = written or ""
    match = AUTO_TAG.search(template)
    if match is None:
        return template
    names = listed([short_name(a, language, lang) for a, lang in shown], language)
    if match.start() == 0 or not template[: match.start()].strip():
        names = names[:1].upper() + names[1:]  # the subject starts with the list
    return AUTO_TAG.sub(lambda _m: names, template)


def _named(subject: str, name: str) -> bool:
    pattern = r"(?<!\w)" + re.escape(name.casefold()) + r"(?!\w)"
    return re.search(pattern, subject.casefold()) is not None


def subject_problems(
    subject: str,
    *,
    language: str,
    shown: Sequence[Announcement],
    lacking: Sequence[Announcement],
) -> list[LintProblem]:
    """A blocking finding per lacking announcement the subject names (title or short title)."""
    rest = subject.casefold()
    for announcement in shown:  # what the edition holds may be named; take it out first
        for name in sorted(names_of(announcement, language), key=len, reverse=True):
            rest = re.sub(r"(?<!\w)" + re.escape(name.casefold()) + r"(?!\w)", " ", rest)
    problems = []
    for announcement in lacking:
        named = next((n for n in names_of(announcement, language) if _named(rest, n)), None)
        if named is not None:
            problems.append(
                LintProblem(
                    "error",
                    "subject-names",
                    f"the subject {subject!r} names {named!r} (announcement "
                    f"{announcement.slug!r}), which this edition does not hold",
                )
            )
    return problems


def check_subject_text(text: str, *, where: str) -> str:
    """A subject bound for a header: one line, not too long; returns it stripped."""
    value = text.strip()
    bad = next((c for c in value if c in FORBIDDEN_IN_HEADERS or ord(c) < 0x20), None)
    if bad is not None:
        raise InvalidInput(f"the subject of {where} contains a line break or control character")
    if len(value) > MAX_SUBJECT:
        raise InvalidInput(f"the subject of {where} is longer than {MAX_SUBJECT} characters")
    return value


def with_override(
    entries: list[dict[str, Any]], *, language: str, ids: Iterable[int], subject: str
) -> list[dict[str, Any]]:
    """The overrides with this edition's subject set (an empty subject removes it)."""
    wanted = sorted(ids)
    key = set_key(language, wanted)
    kept = [e for e in entries if set_key(e["language"], e["announcement_ids"]) != key]
    if subject:
        kept.append({"language": language, "announcement_ids": wanted, "subject": subject})
    return sorted(kept, key=lambda e: set_key(e["language"], e["announcement_ids"]))
