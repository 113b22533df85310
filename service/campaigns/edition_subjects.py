"""The subject of each edition in the matrix, and writing one per edition (newsroom, API, CLI)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from service.audit import record
from service.campaigns.assembly import (
    announcements_for_key,
    candidate_announcements,
    planned_announcements,
)
from service.campaigns.editions import edition_input
from service.campaigns.lifecycle import get_campaign
from service.campaigns.recipient_counts import RecipientCounts, recipient_counts
from service.campaigns.subjects import (
    AUTO_TAG,
    check_subject_text,
    override_for,
    set_key,
    with_override,
)
from service.errors import InvalidInput
from service.models import Announcement, Campaign, Edition
from service.models._common import utcnow
from service.models.campaign import CampaignStatus
from service.rendering.merge_tags import unknown_tags
from service.settings import get_settings
from service.versioning import bump, ensure_current


@dataclass(frozen=True)
class EditionSubject:
    """One edition of the matrix: what it holds, who gets it, its subject and whether written."""

    key: str
    set_key: str
    language: str
    announcement_ids: tuple[int, ...]
    recipients: int
    subject: str
    written: str | None  # the per-edition override, None: from the language's subject

    @property
    def field(self) -> str:
        """The newsroom form field (and HTML id, CSS-safe): edition-subject-de-3-7."""
        return FIELD_PREFIX + self.set_key.replace(":", "-").replace(",", "-")


FIELD_PREFIX = "edition-subject-"


def set_key_of_field(name: str) -> str:
    """ "edition-subject-de-3-7" -> "de:3,7" (the inverse of EditionSubject.field)."""
    return name[len(FIELD_PREFIX) :].replace("-", ":", 1).replace("-", ",")


def current_plan(session: Session, *, campaign: Campaign) -> tuple[Announcement, ...]:
    """The announcement order edition keys refer to now: frozen once fan-out started."""
    at = campaign.send_at or utcnow()
    if campaign.plan_announcement_ids is not None:
        return tuple(planned_announcements(session, campaign=campaign, at=at))
    return tuple(candidate_announcements(session, campaign=campaign, at=at))


def resolve(
    session: Session, *, campaign: Campaign, key: str, plan: tuple[Announcement, ...]
) -> tuple[str, tuple[int, ...], str]:
    """An edition key's language, the ids it shows and the subject it gets now."""
    try:
        language, chosen = announcements_for_key(plan, key)
    except ValueError:
        raise InvalidInput(f"{key!r} is not an edition key (e.g. de:5)") from None
    if language not in ("de", "en") or not chosen:
        raise InvalidInput(f"campaign {campaign.id} has no edition {key!r}")
    spec = edition_input(
        session, campaign=campaign, language=language, announcements=chosen,
        settings=get_settings(),
    )  # fmt: skip
    return language, tuple(a.id for a in spec.announcements), spec.subject


def matrix_subjects(
    session: Session, *, campaign_id: int, counts: RecipientCounts | None = None
) -> list[EditionSubject]:
    """Each edition of the matrix with the subject it gets (stored as sent once rendered)."""
    campaign = get_campaign(session, campaign_id=campaign_id)
    counts = counts or recipient_counts(session, campaign_id=campaign_id)
    plan = current_plan(session, campaign=campaign)
    stored = {
        e.key: e for e in session.exec(select(Edition).where(Edition.campaign_id == campaign_id))
    }
    rows = []
    for edition in counts.per_edition:
        if edition.key in stored:
            done = stored[edition.key]
            language, ids, subject = done.language, tuple(done.announcement_ids), done.subject
        else:
            language, ids, subject = resolve(session, campaign=campaign, key=edition.key, plan=plan)
        written = override_for(campaign, language, ids)
        rows.append(
            EditionSubject(
                edition.key,
                set_key(language, ids),
                language,
                ids,
                edition.recipients,
                subject,
                written,
            )
        )
    return rows


def parse_set_key(text: str) -> tuple[str, list[int]]:
    """ "de:3,7" -> ("de", [3, 7]); anything else is refused."""
    language, _, ids = text.partition(":")
    parts = ids.split(",") if ids else []
    if language not in ("de", "en") or not parts or not all(p.isdigit() for p in parts):
        raise InvalidInput(f"{text!r} does not name an edition (language:ids)")
    return language, [int(p) for p in parts]


def apply_subjects(campaign: Campaign, written: dict[str, str]) -> None:
    """Set per-edition subjects by set key ("de:3,7"); an empty text removes the override."""
    entries: list[dict[str, Any]] = list(campaign.edition_subjects or [])
    for key, text in written.items():
        language, ids = parse_set_key(key)
        subject = check_subject_text(text, where=f"edition {key}")
        unknown = unknown_tags(AUTO_TAG.sub("", subject))
        if unknown:
            raise InvalidInput(
                f"the subject of edition {key} has an unknown placeholder {unknown[0]}"
            )
        entries = with_override(entries, language=language, ids=ids, subject=subject)
    campaign.edition_subjects = entries  # a new list, so the JSON column is marked changed


def set_edition_subject(
    session: Session,
    *,
    campaign_id: int,
    key: str,
    subject: str,
    version: int | None = None,
    actor_id: int | None = None,
) -> Campaign:
    """Write (or with "" clear) the subject of the edition `key` of the matrix (API, CLI)."""
    campaign = get_campaign(session, campaign_id=campaign_id, lock=True)
    ensure_current(session, row=campaign, expected=version, kind="campaign")
    if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
        raise InvalidInput(
            f"campaign {campaign_id} is {campaign.status}; only drafts can be edited"
        )
    plan = current_plan(session, campaign=campaign)
    language, ids, _ = resolve(session, campaign=campaign, key=key, plan=plan)
    apply_subjects(campaign, {set_key(language, ids): subject})
    bump(campaign, actor_id=actor_id)
    session.add(campaign)
    session.flush()
    record(
        session, actor_id=actor_id, action="campaign.edit", object_type="campaign",
        object_id=campaign_id, fields=["edition_subjects"], edition=key,
        version=campaign.version,
    )  # fmt: skip
    return campaign
