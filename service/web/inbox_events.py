"""Thread event lines in the reader's language.

Events are stored as the English sentence the service wrote (older rows too), so they are
recognised here by shape and translated through the catalog; anything else is shown as stored.
"""

from __future__ import annotations

import re

from babel.numbers import format_decimal

from service.web.i18n import gettext
from service.web.templating import N_

# (pattern of the stored English text, msgid) - the order matters: first match wins.
EVENTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Closed(?:: (?P<note>.+))?", re.S), N_("Closed")),
    (re.compile(r"Reopened(?:: (?P<note>.+))?", re.S), N_("Reopened")),
    (re.compile(r"Waiting for the subscriber"), N_("Waiting for the subscriber")),
    (re.compile(r"Warning: (?P<hours>[\d.]+) business hours left"),
     N_("Warning: %(hours)s business hours left")),
    (re.compile(r"In triage \((?P<reason>\w+)\)(?:: (?P<note>.+))?", re.S),
     N_("In triage (%(reason)s)")),
    (re.compile(r"Assigned to (?P<name>.+?) \((?P<reason>\w+)\), substituting for coordinator "
                r"(?P<intended>\d+)(?:: (?P<note>.+))?", re.S),
     N_("Assigned to %(name)s (%(reason)s), substituting for coordinator %(intended)s")),
    (re.compile(r"Assigned to (?P<name>.+?) \((?P<reason>\w+)\)(?:: (?P<note>.+))?", re.S),
     N_("Assigned to %(name)s (%(reason)s)")),
]  # fmt: skip
# Notes the service itself writes (a person's note is shown as typed).
NOTES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"target missed by (?P<name>.+); escalated to the deputy"),
     N_("target missed by %(name)s; escalated to the deputy")),
    (re.compile(r"target missed; moved to triage"), N_("target missed; moved to triage")),
]  # fmt: skip


def event_line(lang: str, text: str, reasons: dict[str, str] | None = None) -> str:
    """The stored event `text` in `lang`; unknown shapes come back unchanged."""
    labels = reasons or {}
    for pattern, msgid in EVENTS:
        found = pattern.fullmatch(text)
        if found is None:
            continue
        params = {k: v for k, v in found.groupdict().items() if k != "note" and v is not None}
        if "hours" in params:  # 2.5 reads 2,5 in German
            params["hours"] = format_decimal(float(params["hours"]), locale=lang)
        if "reason" in params:
            params["reason"] = gettext(lang, labels.get(params["reason"], params["reason"]))
        line = gettext(lang, msgid, **params)
        note = found.groupdict().get("note")
        return f"{line}: {_note(lang, note)}" if note else line
    return text


def _note(lang: str, note: str) -> str:
    """A note the service wrote, translated; a person's note as typed."""
    return next((gettext(lang, msgid, **m.groupdict()) for pattern, msgid in NOTES
                 if (m := pattern.fullmatch(note))), note)  # fmt: skip
