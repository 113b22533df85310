"""Merge tags in subjects and announcement titles: `{{ first_name | default("Kollegin") }}`.

Syntax (deliberately small, not Jinja): `{{ FIELD }}` or `{{ FIELD | default("FALLBACK") }}`
with FIELD one of `first_name`, `last_name`, `name`; the fallback stands when the subscriber has
no such value (without `default` it is empty). Anything else between `{{` and `}}` is an
unknown placeholder, refused by lint and at render time.

Per edition a tag becomes a body placeholder whose key spells the field and the fallback
(`MERGEFN` + `X` + hex of the fallback), so the sender needs no lookup table and the
per-recipient fill is a dict lookup and a string split. Subjects are compiled once per edition
into literal pieces and tags (`CompiledText`); rendering one is a join.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.errors import InvalidInput
from service.rendering.contract import placeholder

FIELDS = {"first_name": "FN", "last_name": "LN", "name": "NM"}
_CODES = {code: name for name, code in FIELDS.items()}
KEY_PREFIX = "MERGE"
ANY_TAG = re.compile(r"\{\{(.*?)\}\}", re.S)
TAG = re.compile(
    r"""\s*(?P<field>[a-z_]+)\s*(?:\|\s*default\(\s*(?P<q>["'])(?P<fallback>[^"'{}\r\n]{0,80})(?P=q)\s*\)\s*)?"""
)
KEY_RE = re.compile(rf"{KEY_PREFIX}(FN|LN|NM)X([0-9A-F]*)")


class UnknownMergeTag(InvalidInput):
    """A `{{ ... }}` that is not one of the merge tags we can fill."""


@dataclass(frozen=True)
class Tag:
    """One merge tag: which field, and what stands when the subscriber has none."""

    field: str
    fallback: str

    @property
    def key(self) -> str:
        """The body placeholder key that carries this tag through rendering and sending."""
        return f"{KEY_PREFIX}{FIELDS[self.field]}X{self.fallback.encode().hex().upper()}"


def parse_tag(inner: str) -> Tag:
    """The tag inside `{{ }}`; UnknownMergeTag names what was not understood."""
    match = TAG.fullmatch(inner)
    if match is None or match["field"] not in FIELDS:
        known = ", ".join(FIELDS)
        raise UnknownMergeTag(f"unknown placeholder {{{{{inner}}}}} (known: {known})")
    return Tag(match["field"], match["fallback"] or "")


def tags_in(text: str) -> list[Tag]:
    """Every merge tag of a text, in order; refuses an unknown one."""
    return [parse_tag(m.group(1)) for m in ANY_TAG.finditer(text or "")]


def unknown_tags(text: str) -> list[str]:
    """The `{{ ... }}` snippets of a text that are not merge tags (for lint)."""
    found = []
    for m in ANY_TAG.finditer(text or ""):
        try:
            parse_tag(m.group(1))
        except UnknownMergeTag:
            found.append(m.group(0))
    return found


def field_value(field: str, name: str | None) -> str:
    """The subscriber's value of a field from their (cleaned) name, '' when unknown."""
    words = (name or "").split()
    if not words:
        return ""
    if field == "first_name":
        return words[0]
    if field == "last_name":
        return words[-1] if len(words) > 1 else ""
    return " ".join(words)


def decode_key(key: str) -> tuple[str, str]:
    """(field, fallback) of a merge placeholder key (see Tag.key)."""
    match = KEY_RE.fullmatch(key)
    if match is None:
        raise InvalidInput(f"{key!r} is not a merge placeholder")
    return _CODES[match.group(1)], bytes.fromhex(match.group(2)).decode("utf-8", "replace")


def value_for_key(key: str, name: str | None) -> str | None:
    """A body placeholder's value for a subscriber, or None when `key` is not a merge key."""
    if KEY_RE.fullmatch(key) is None:
        return None
    field, fallback = decode_key(key)
    return field_value(field, name) or fallback


def to_placeholders(text: str) -> str:
    """Each merge tag replaced by its body placeholder (rendering a personal edition)."""
    return ANY_TAG.sub(lambda m: placeholder(parse_tag(m.group(1)).key), text)


def render(text: str, name: str | None) -> str:
    """Each merge tag filled for a subscriber named `name` (None: fallbacks)."""
    return compile_text(text).render(name)


class CompiledText:
    """A text split once into literal pieces and tags; `render` is a join per recipient."""

    __slots__ = ("literals", "tags")

    def __init__(self, text: str) -> None:
        pieces = ANY_TAG.split(text or "")
        self.literals = pieces[0::2]
        self.tags = [parse_tag(inner) for inner in pieces[1::2]]

    @property
    def constant(self) -> bool:
        """True when the text holds no merge tag."""
        return not self.tags

    def render(self, name: str | None) -> str:
        """The text for one recipient."""
        out = [self.literals[0]]
        for tag, literal in zip(self.tags, self.literals[1:], strict=True):
            out.append(field_value(tag.field, name) or tag.fallback)
            out.append(literal)
        return "".join(out)


def compile_text(text: str) -> CompiledText:
    """Compile a subject or title once per edition."""
    return CompiledText(text)
