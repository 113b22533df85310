"""Which announcements a reply is likeliest about: its words against the edition's items."""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from service.models import Announcement, Delivery, Edition

WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)
# Words every announcement and reply share; they say nothing about which item is meant.
_STOP = (
    "this that with from have what when where which about there their would could should "
    "your will also been were they them than then into more some such only very much "
    "dies diese dieser eine einen einem einer nicht noch auch oder aber wenn wann sich sind "
    "haben wird werden über unter nach ihre ihrer ihren kann können bitte danke dank vielen "
    "hallo liebe lieber grüße gruß regards thanks thank hello dear best"
)
STOPWORDS = frozenset(_STOP.split())
MAX_PROPOSALS = 3


def words(text: str) -> set[str]:
    """Lower-cased content words of at least four letters."""
    return {w for w in WORD.findall(text.lower()) if w not in STOPWORDS}


def edition_items(
    session: Session, *, campaign_id: int | None, subscriber_id: int | None
) -> list[Announcement]:
    """The announcements in the edition this subscriber got; all announcements when unknown."""
    ids: list[int] = []
    if campaign_id is not None and subscriber_id is not None:
        key = session.exec(
            select(Delivery.edition_key).where(
                Delivery.campaign_id == campaign_id, Delivery.subscriber_id == subscriber_id
            )
        ).first()
        edition = (
            session.exec(
                select(Edition).where(Edition.campaign_id == campaign_id, Edition.key == key)
            ).first()
            if key
            else None
        )
        ids = list(edition.announcement_ids) if edition else []
    query = select(Announcement).order_by(col(Announcement.priority), col(Announcement.id))
    if ids:
        query = query.where(col(Announcement.id).in_(ids))
    return list(session.exec(query))


def _item_words(ann: Announcement) -> set[str]:
    """What an announcement is about, in both languages."""
    parts = [ann.title_en, ann.title_de, ann.summary_en, ann.summary_de, ann.body_en, ann.body_de]
    return words(" ".join(p or "" for p in parts) + " " + ann.topic.replace("-", " "))


def propose(
    session: Session,
    *,
    text: str,
    quoted: str,
    campaign_id: int | None,
    subscriber_id: int | None,
) -> list[int]:
    """Up to three announcement ids, likeliest first: own words count double, quotes once."""
    items = edition_items(session, campaign_id=campaign_id, subscriber_id=subscriber_id)
    own, quote = words(text), words(quoted) - words(text)
    scored = []
    for position, ann in enumerate(items):
        vocabulary = _item_words(ann)
        score = 2 * len(own & vocabulary) + len(quote & vocabulary)
        scored.append((-score, position, ann.id))
    scored.sort()
    best = [ann_id for neg, _, ann_id in scored if neg < 0 and ann_id is not None]
    rest = [ann_id for neg, _, ann_id in scored if neg == 0 and ann_id is not None]
    return (best + rest)[:MAX_PROPOSALS]
