"""What the admin API accepts for its plain resources; create and update validate alike.

PATCH used to go through a copy of the model with every field optional and no validators
(language `xxxxx`, status `pwned`, CR/LF names, `../../etc` as a segment slug; issue 15,
finding 13). crud.py now validates the merged row through these same models.
"""

from __future__ import annotations

import re

from pydantic import field_validator

from service.domain.addresses import normalise_email
from service.models import CoordinatorBase, SegmentBase, SubscriberBase

_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")


def _language(value: str) -> str:
    if value not in ("de", "en"):
        raise ValueError(f"language {value!r} is not configured (de, en)")
    return value


def _one_line(value: str | None) -> str | None:
    if value is not None and _CONTROL.search(value):
        raise ValueError("must not contain line breaks or control characters")
    return value


class SubscriberCreate(SubscriberBase):
    """A subscriber as the admin API takes it: always unconfirmed. Confirmation comes only from
    double opt-in or an import with proof, each of which writes the consent ledger."""

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str) -> str:
        return normalise_email(value)

    @field_validator("language")
    @classmethod
    def _valid_language(cls, value: str) -> str:
        return _language(value)

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str | None) -> str | None:
        return _one_line(value)


class CoordinatorCreate(CoordinatorBase):
    """A coordinator: a deliverable address, one-line names, a known language."""

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str) -> str:
        from service.content.coordinators import checked_fields  # the one rule, one message

        return str(checked_fields({"email": value})["email"])

    @field_validator("name", "office")
    @classmethod
    def _valid_text(cls, value: str) -> str:
        return _one_line(value) or ""

    @field_validator("language")
    @classmethod
    def _valid_language(cls, value: str) -> str:
        return _language(value)


class SegmentCreate(SegmentBase):
    """A segment: a slug of lowercase letters, digits and hyphens, a one-line name."""

    @field_validator("slug")
    @classmethod
    def _valid_slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError("slug must be lowercase letters, digits and hyphens (max 64)")
        return value

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return _one_line(value) or ""
