"""personalise(edition, recipient): every placeholder's value for one reader, for each part.

The one place that decides what a reader's copy says: the send path (compose), the subscriber
preview and the test oracle (tests/support/reference_build) all fill their documents from it,
so a preview cannot differ from the mail sent. Names are cleaned by one rule (`clean_name`).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from service.addressing.links import qualified_link_index
from service.addressing.subaddresses import reply_address
from service.addressing.tokens import TokenCodec, codec
from service.addressing.urls import PublicUrls
from service.rendering import merge_tags
from service.rendering.contract import (
    NAME,
    PIXEL,
    PLACEHOLDER_PREFIX,
    PLACEHOLDER_RE,
    PLACEHOLDER_SUFFIX,
    PREFSURL,
    UNSUBURL,
    WEBURL,
    clean_name,
)
from service.settings import Settings

PIXEL_TAG = (
    '<img src="{}" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px">'
)


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who one message goes to; tracking is the subscriber's consent for opens and clicks."""

    subscriber_id: int
    email: str
    name: str | None
    tracking: bool
    aggregate: bool = False  # tracked without identity: tokens carry subscriber 0 (D4)


def keys_in(*documents: str) -> frozenset[str]:
    """The placeholder keys the documents use."""
    cut = slice(len(PLACEHOLDER_PREFIX), -len(PLACEHOLDER_SUFFIX))
    return frozenset(m.group(0)[cut] for doc in documents for m in PLACEHOLDER_RE.finditer(doc))


@dataclass(frozen=True)
class PersonalEdition:
    """What personalising needs of an edition, computed once per edition."""

    campaign_id: int
    announcement_ids: tuple[int, ...]
    links: tuple[str, ...]
    keys: frozenset[str]  # the placeholders the documents use; only these are computed
    edition_id: int = 0  # > 0: click tokens name the edition
    merge_keys: Mapping[str, tuple[str, str]] = field(init=False)

    def __post_init__(self) -> None:
        merged = {k: merge_tags.decode_key(k) for k in self.keys if merge_tags.KEY_RE.fullmatch(k)}
        object.__setattr__(self, "merge_keys", merged)

    @classmethod
    def of(
        cls,
        *,
        campaign_id: int,
        announcement_ids: Iterable[int],
        links: Iterable[str],
        keys: Iterable[str],
        edition_id: int = 0,
    ) -> PersonalEdition:
        """Build from plain values (keys: the placeholder keys found in the documents)."""
        return cls(campaign_id, tuple(announcement_ids), tuple(links), frozenset(keys), edition_id)


@dataclass(frozen=True, slots=True)
class Personaliser:
    """The per-settings parts of personalising (token codec, URLs, reply domain)."""

    tokens: TokenCodec
    urls: PublicUrls
    reply_domain: str

    @classmethod
    def for_settings(cls, settings: Settings) -> Personaliser:
        """One per edition or request; building the codec costs more than a recipient."""
        tokens = codec(settings)
        return cls(tokens, PublicUrls(settings, tokens), settings.reply_domain)


@dataclass(frozen=True, slots=True)
class PersonalValues:
    """The reader's values: plain for the text part, HTML-escaped for the HTML part."""

    text: dict[str, str]
    html: dict[str, str]
    unsubscribe_token: str


def personalise(
    edition: PersonalEdition, recipient: Recipient, *, using: Personaliser
) -> PersonalValues:
    """Every placeholder value of `edition` for `recipient` (tracked links only with consent)."""
    tok, urls, keys = using.tokens, using.urls, edition.keys
    sid, cid = recipient.subscriber_id, edition.campaign_id
    unsub_token = tok.unsubscribe(sid, cid)
    common = {UNSUBURL: f"{urls.base}/u/{unsub_token}"}
    if PREFSURL in keys:
        common[PREFSURL] = urls.preferences(sid)
    if WEBURL in keys:
        common[WEBURL] = urls.webview(cid, sid)
    for n, announcement_id in enumerate(edition.announcement_ids):
        if f"REPLY{n}" in keys:
            token = tok.reply(cid, sid, announcement_id)
            common[f"REPLY{n}"] = reply_address(token, using.reply_domain)
    text, rich = dict(common), common
    name = clean_name(recipient.name)
    text[NAME] = " " + name if name else ""
    rich[NAME] = " " + html.escape(name) if name else ""
    text[PIXEL] = rich[PIXEL] = ""
    for key, (field_name, fallback) in edition.merge_keys.items():
        merged = merge_tags.field_value(field_name, name) or fallback
        text[key], rich[key] = merged, html.escape(merged)
    who = 0 if recipient.aggregate else sid  # the subscriber named in tracking tokens
    if recipient.tracking:
        rich[PIXEL] = PIXEL_TAG.format(html.escape(urls.open_pixel(cid, who)))
    for n, url in enumerate(edition.links):
        key = f"LINK{n}"
        if key in keys:
            index = qualified_link_index(edition.edition_id, n) if edition.edition_id else n
            target = urls.click(cid, who, index) if recipient.tracking else url
            text[key], rich[key] = target, html.escape(target)
    return PersonalValues(text, rich, unsub_token)
