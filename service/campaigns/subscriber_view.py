"""What one subscriber gets: their edition key from the fan-out SQL, rendered or as stored.

The key comes from the subscriber's delivery row once fan-out has run (the truth about what was
sent), else from `build_plan` restricted to the one subscriber: the same SQL fan-out runs, so the
preview cannot drift from the send. A draft's plan is not frozen by a preview.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.addressing.urls import PublicUrls
from service.campaigns.assembly import announcements_for_key, build_plan
from service.campaigns.editions import edition_input
from service.campaigns.lifecycle import get_campaign
from service.errors import NotFound
from service.mail.personalise import (
    PersonalEdition,
    Personaliser,
    Recipient,
    keys_in,
    personalise,
)
from service.models import Announcement, Campaign, Delivery, Edition, Subscriber
from service.models._common import utcnow
from service.rendering import merge_tags
from service.rendering.contract import (
    NAME,
    PLACEHOLDER_PREFIX,
    PLACEHOLDER_RE,
    PLACEHOLDER_SUFFIX,
    EditionInput,
    RenderedEdition,
    clean_name,
)
from service.rendering.edition import render_edition, render_web_view
from service.settings import get_settings


@dataclass(frozen=True)
class SubscriberEdition:
    """A subscriber's edition: its key and the renderer input in their language."""

    campaign_id: int
    subscriber: Subscriber
    key: str
    spec: EditionInput


def edition_key_for(
    session: Session, *, campaign: Campaign, subscriber_id: int, at: datetime
) -> tuple[str, tuple[Announcement, ...]]:
    """The subscriber's edition key and the plan it indexes; NotFound outside the audience."""
    delivery = session.exec(
        select(Delivery).where(
            Delivery.campaign_id == campaign.id, Delivery.subscriber_id == subscriber_id
        )
    ).first()
    frozen = campaign.plan_announcement_ids
    plan = build_plan(session, campaign=campaign, at=at)
    key = (
        delivery.edition_key
        if delivery is not None
        else session.execute(
            sa.select(plan.edition_key).where(col(Subscriber.id) == subscriber_id, plan.audience)
        ).scalar_one_or_none()
    )
    if frozen is None:  # planning froze the draft's announcement list; a preview must not
        campaign.plan_announcement_ids = None
        session.add(campaign)
        session.flush()
    if key is None:
        raise NotFound(
            f"subscriber {subscriber_id} gets nothing from campaign {campaign.id}: not confirmed, "
            "suppressed, not in a target segment, or no announcement targets their segments"
        )
    return key, plan.announcements


def subscriber_edition(
    session: Session, *, campaign_id: int, subscriber_id: int, language: str | None = None
) -> SubscriberEdition:
    """Which announcements, in which language (or `language`), the subscriber gets."""
    campaign = get_campaign(session, campaign_id=campaign_id)
    subscriber = session.get(Subscriber, subscriber_id)
    if subscriber is None:
        raise NotFound(f"subscriber {subscriber_id} does not exist")
    at = campaign.send_at or utcnow()
    key, plan = edition_key_for(session, campaign=campaign, subscriber_id=subscriber_id, at=at)
    own_language, chosen = announcements_for_key(plan, key)
    language = language or own_language
    spec = edition_input(
        session,
        campaign=campaign,
        language=language,
        announcements=chosen,
        settings=get_settings(),
    )
    return SubscriberEdition(campaign_id, subscriber, key, spec)


def rendered_for(session: Session, edition: SubscriberEdition) -> RenderedEdition:
    """The stored edition when it was rendered for sending (exactly as sent), else a fresh one."""
    stored = session.exec(
        select(Edition).where(
            Edition.campaign_id == edition.campaign_id, Edition.key == edition.key
        )
    ).first()
    if stored is not None:
        return RenderedEdition(html=stored.html, text=stored.text, links=tuple(stored.links))
    return render_edition(edition.spec)


def personal_values(edition: SubscriberEdition, rendered: RenderedEdition) -> dict[str, str]:
    """The subscriber's own HTML values, from the send path's `personalise` (no open pixel and
    untracked links: a preview is no open and no click)."""
    subscriber = edition.subscriber
    assert subscriber.id is not None
    personal = PersonalEdition.of(
        campaign_id=edition.campaign_id,
        announcement_ids=(a.id for a in edition.spec.announcements),
        links=rendered.links,
        keys=keys_in(rendered.html),
    )
    reader = Recipient(subscriber.id, subscriber.email, subscriber.name, tracking=False)
    return personalise(personal, reader, using=Personaliser.for_settings(get_settings())).html


def fill(text: str, values: dict[str, str], *, escape: bool) -> str:
    """Substitute placeholders; values are HTML-escaped for the HTML part."""

    def value(match: object) -> str:
        key = match.group(0)[len(PLACEHOLDER_PREFIX) : -len(PLACEHOLDER_SUFFIX)]  # type: ignore[attr-defined]
        found = values.get(key)
        if found is None:  # a merge tag of a title: the reader's name or the tag's fallback
            found = merge_tags.value_for_key(key, values.get(NAME, "").strip()) or ""
        return html.escape(found) if escape else found

    return PLACEHOLDER_RE.sub(value, text)


@dataclass(frozen=True)
class SubscriberPreview:
    """The filled HTML a subscriber gets, with the edition it came from (for linting)."""

    html: str
    spec: EditionInput
    rendered: RenderedEdition


def subscriber_preview(
    session: Session, *, campaign_id: int, subscriber_id: int
) -> SubscriberPreview:
    """The HTML this subscriber gets (or got), with their own links and name."""
    edition = subscriber_edition(session, campaign_id=campaign_id, subscriber_id=subscriber_id)
    rendered = rendered_for(session, edition)
    html_out = fill(rendered.html, personal_values(edition, rendered), escape=False)
    return SubscriberPreview(html_out, edition.spec, rendered)


def subscriber_preview_html(session: Session, *, campaign_id: int, subscriber_id: int) -> str:
    """Only the HTML of `subscriber_preview`."""
    return subscriber_preview(session, campaign_id=campaign_id, subscriber_id=subscriber_id).html


def web_view_html(
    session: Session,
    *,
    campaign_id: int,
    subscriber_id: int,
    language: str | None = None,
    path: str = "",
) -> str:
    """The browser view behind "view in browser"; `language` shows the other language."""
    edition = subscriber_edition(
        session, campaign_id=campaign_id, subscriber_id=subscriber_id, language=language
    )
    urls = PublicUrls(get_settings())
    sid = edition.subscriber.id
    assert sid is not None
    return render_web_view(
        edition.spec,
        unsubscribe_url=urls.unsubscribe(sid, campaign_id),
        preferences_url=urls.preferences(sid),
        switch_url=f"{path}?lang={'en' if edition.spec.language == 'de' else 'de'}" if path else "",
        name=clean_name(edition.subscriber.name),  # the one name rule of personalise
    )
