"""Profile fields of the signup form and the preference centre, checked against the settings.

The configured fields (`settings.profile_fields`) and topics (`settings.preference_topics`) are
what segment rules read (`career_stage`, `role`, `institution`, `topics`), so a public signup
lands in the same segments as an imported row. Every value is checked against the
configuration: an unknown choice, an oversize or multi-line text is refused with a
`ProfileRefused` that names the field and a message key of the page catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from service.domain.segment_ast import ATTRIBUTES
from service.errors import InvalidInput
from service.rendering.brand import topic_label
from service.settings import ProfileField, Settings


class ProfileRefused(InvalidInput):
    """A submitted profile value the configuration does not allow; `code` keys the catalogue."""

    def __init__(self, code: str, field: str, **params: Any) -> None:
        super().__init__(f"{field}: {code} {params or ''}".strip())
        self.code, self.field, self.params = code, field, params

    def localised(self, texts: Mapping[str, str], label: str) -> str:
        """The refusal in the page's language."""
        return texts[self.code].format(field=label, **self.params)


@dataclass(frozen=True)
class FieldView:
    """One field as a page shows it, labelled in the page's language."""

    attr: str
    kind: str
    label: str
    options: tuple[tuple[str, str], ...]
    value: str
    max_length: int


def check_configuration(settings: Settings) -> None:
    """Fields must name attributes segment rules know, so a choice can feed a segment."""
    for f in settings.profile_fields:
        if ATTRIBUTES.get(f.attr) != "str":
            raise InvalidInput(f"profile_fields: {f.attr!r} is not a text attribute of segments")


def field_views(
    settings: Settings, language: str, attributes: Mapping[str, Any]
) -> list[FieldView]:
    """The configured fields with labels in `language` and the subscriber's current values."""
    views = []
    for f in settings.profile_fields:
        options = tuple((v, labels.get(language) or v) for v, labels in f.options.items())
        value = attributes.get(f.attr)
        views.append(
            FieldView(
                f.attr,
                f.kind,
                f.label.get(language) or f.attr,
                options,
                value if isinstance(value, str) else "",
                f.max_length,
            )
        )
    return views


def field_label(settings: Settings, attr: str, language: str) -> str:
    """The label of a field (or "topics") in `language`, for error messages."""
    for f in settings.profile_fields:
        if f.attr == attr:
            return f.label.get(language) or attr
    return attr


def topic_choices(
    settings: Settings, language: str, chosen: Iterable[str]
) -> list[tuple[str, str]]:
    """(slug, label) of every offered topic, plus any the subscriber already holds."""
    slugs = list(dict.fromkeys([*settings.preference_topics, *sorted(chosen)]))
    return [(s, topic_label(settings, s, language)) for s in slugs]


def parse_profile(settings: Settings, form: Mapping[str, str]) -> dict[str, str]:
    """attr -> checked value for every configured field in `form` ('' clears a field)."""
    values: dict[str, str] = {}
    for f in settings.profile_fields:
        if f.attr in form:
            values[f.attr] = _checked(f, form[f.attr])
    return values


def _checked(f: ProfileField, raw: str) -> str:
    """One value: a configured option, or a single-line text within its length."""
    value = raw.strip()
    if len(value) > f.max_length:
        raise ProfileRefused("err_too_long", f.attr, max=f.max_length)
    if f.kind == "choice":
        if value and value not in f.options:
            raise ProfileRefused("err_choice", f.attr)
        return value
    if any(c in value for c in "\r\n\x00"):
        raise ProfileRefused("err_text", f.attr)
    return value


MAX_TOPICS, MAX_TOPIC_CHARS = 50, 64


def check_topics(settings: Settings, topics: set[str], *, held: Iterable[str] = ()) -> set[str]:
    """Topics must be offered ones (a subscriber may keep one they already hold), few and short
    (finding 8: 9 MB of topics per request went into the row and the append-only ledger)."""
    if len(topics) > MAX_TOPICS or any(len(t) > MAX_TOPIC_CHARS for t in topics):
        raise ProfileRefused("err_topic_limits", "topics", count=MAX_TOPICS, chars=MAX_TOPIC_CHARS)
    allowed = set(settings.preference_topics) | set(held)
    if topics - allowed:
        raise ProfileRefused("err_topic", "topics")
    return topics


def apply_profile(attributes: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    """The attributes with `values` set ('' removes the attribute)."""
    out = dict(attributes)
    for attr, value in values.items():
        if value:
            out[attr] = value
        else:
            out.pop(attr, None)
    return out
