"""Canned answers: German and English texts with {{ variables }}, managed by admins.

Only the known variables may appear; an unknown one (or a stray brace pair) is refused when
the text is saved and again when it is used, so a subscriber never reads a raw placeholder.
"""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from service.errors import InvalidInput, NotFound
from service.models import CannedAnswer
from service.models._common import utcnow

VARIABLES = ("subscriber_name", "announcement_title", "coordinator_name")
LANGUAGES = ("de", "en")
_VAR = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_STRAY = re.compile(r"\{\{|\}\}")


def check_body(body: str) -> str:
    """The body, stripped, or InvalidInput naming the unknown variable."""
    text = body.strip()
    if not text:
        raise InvalidInput("a canned answer needs a text")
    for name in _VAR.findall(text):
        if name not in VARIABLES:
            raise InvalidInput(f"unknown variable {{{{ {name} }}}}; use {', '.join(VARIABLES)}")
    if _STRAY.search(_VAR.sub("", text)):
        raise InvalidInput("unbalanced {{ }} in the canned answer")
    return text


def save(
    session: Session, *, name: str, language: str, body: str, canned_id: int | None = None
) -> CannedAnswer:
    """Create or update a canned answer; adds and flushes."""
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("a canned answer needs a name")
    if language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}")
    text = check_body(body)
    row = CannedAnswer(name=name, language=language, body=text)
    if canned_id is not None:
        row = get(session, canned_id=canned_id)
        row.name, row.language, row.body = name, language, text
    clash = session.exec(
        select(CannedAnswer).where(CannedAnswer.name == name, CannedAnswer.language == language)
    ).first()
    if clash is not None and clash.id != row.id:
        raise InvalidInput(f"a {language} canned answer named {name!r} exists already")
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row


def get(session: Session, *, canned_id: int) -> CannedAnswer:
    """One canned answer or NotFound."""
    row = session.get(CannedAnswer, canned_id)
    if row is None:
        raise NotFound(f"canned answer {canned_id} does not exist")
    return row


def delete(session: Session, *, canned_id: int) -> None:
    """Remove a canned answer; adds and flushes."""
    session.delete(get(session, canned_id=canned_id))
    session.flush()


def listed(session: Session, *, language: str | None = None) -> list[CannedAnswer]:
    """All canned answers (optionally one language), by name."""
    query = select(CannedAnswer).order_by(col(CannedAnswer.name), col(CannedAnswer.language))
    if language is not None:
        query = query.where(CannedAnswer.language == language)
    return list(session.exec(query))


def fill(body: str, values: dict[str, str]) -> str:
    """The text with its variables filled; refuses unknown variables (checked again at use)."""
    check_body(body)
    return _VAR.sub(lambda m: values.get(m.group(1), ""), body)
