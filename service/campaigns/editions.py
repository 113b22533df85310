"""Editions: compose the renderer's input for an edition key, render once, store as sent."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.campaigns.assembly import announcements_for_key, planned_announcements
from service.campaigns.subjects import edition_subject
from service.models import Announcement, Campaign, Coordinator, Edition
from service.models._common import utcnow
from service.rendering.brand import brand_for, list_label, topic_label
from service.rendering.brand_store import overrides as brand_overrides
from service.rendering.contract import AnnouncementView, EditionInput, OrgIdentity
from service.rendering.edition import render_edition
from service.rendering.environment import guarded_render, render_user_template
from service.rendering.markdown import render_markdown
from service.settings import Settings

OTHER = {"de": "en", "en": "de"}


def _text(announcement: Announcement, field: str, language: str) -> str | None:
    return getattr(announcement, f"{field}_{language}", None)


def announcement_view(
    announcement: Announcement, *, language: str, coordinator: str, fallback: str, topic: str = ""
) -> AnnouncementView | None:
    """The announcement in `language`, in the other language with a note, or None (omit)."""
    shown = language
    if not _text(announcement, "title", language):
        if fallback == "omit" or not _text(announcement, "title", OTHER[language]):
            return None
        shown = OTHER[language]
    assert announcement.id is not None
    return AnnouncementView(
        id=announcement.id,
        title=_text(announcement, "title", shown) or "",
        summary_html=render_markdown(_text(announcement, "summary", shown) or ""),
        body_html=render_markdown(_text(announcement, "body", shown) or ""),
        topic=topic or announcement.topic,
        coordinator_name=coordinator,
        cta_url=announcement.cta_url,
        cta_label=_text(announcement, "cta_label", shown),
        image_url=announcement.image_url,
        image_alt=_text(announcement, "image_alt", shown) or "",
        fallback_language=None if shown == language else shown,
    )


def edition_input(
    session: Session,
    *,
    campaign: Campaign,
    language: str,
    announcements: list[Announcement],
    settings: Settings,
    guarded: bool = False,
) -> EditionInput:
    """Everything the renderer needs for one language and announcement set.

    guarded: the intro is rendered in a forked child with a deadline (send time, fan-out).
    """
    coordinators = {c.id: c.name for c in session.exec(select(Coordinator))}
    views = [
        announcement_view(
            a,
            language=language,
            coordinator=coordinators.get(a.coordinator_id, ""),
            fallback=settings.missing_translation,
            topic=topic_label(settings, a.topic, language),
        )
        for a in announcements
    ]
    intro = campaign.intro_de if language == "de" else campaign.intro_en
    shown = tuple(v for v in views if v is not None)
    pairs = zip(announcements, views, strict=True)
    named = [(a, v.fallback_language or language) for a, v in pairs if v]
    subject = edition_subject(campaign, language=language, shown=named)
    list_name = list_label(settings, campaign.list_slug, language, campaign.list_name)
    return EditionInput(
        language=language,
        subject=subject,
        list_name=list_name,
        org=org_identity(settings),
        announcements=shown,
        intro_html=render_markdown(
            render_intro(
                intro, campaign=campaign, language=language, list_name=list_name, guarded=guarded
            )
        ),
        preheader=_preheader(shown, subject),
        brand=brand_for(settings, language, brand_overrides(session)),
        issued=(campaign.send_at or utcnow()).date(),
    )


def org_identity(settings: Settings) -> OrgIdentity:
    """Who sends, from settings (footer, Impressum)."""
    return OrgIdentity(settings.org_legal_name, settings.org_postal_address, settings.public_url)


def intro_context(
    campaign: Campaign, language: str, list_name: str | None = None
) -> dict[str, str]:
    """The variables a campaign intro template may use."""
    name = list_name or campaign.list_name
    return {"list_name": name, "language": language, "campaign_name": campaign.name}


INTRO_VARIABLES = frozenset(intro_context(Campaign(name="", subject_en="", subject_de=""), "en"))


def render_intro(
    source: str | None, *, campaign: Campaign, language: str, list_name: str | None = None,
    guarded: bool = False,
) -> str:  # fmt: skip
    """Render the comms team's intro template in the sandbox (Markdown comes after)."""
    if not source:
        return ""
    render = guarded_render if guarded else render_user_template
    return render(source, intro_context(campaign, language, list_name))


def _preheader(views: tuple[AnnouncementView, ...], subject: str) -> str:
    """Preview text: the announcement titles, which differ from the subject."""
    text = " · ".join(v.title for v in views)
    return text[:140] if text and text != subject else ""


def ensure_editions(
    session: Session, *, campaign: Campaign, keys: tuple[str, ...], settings: Settings
) -> int:
    """Render and store every edition key not rendered yet; returns how many were rendered."""
    assert campaign.id is not None
    existing = set(
        session.execute(
            sa.select(col(Edition.key)).where(col(Edition.campaign_id) == campaign.id)
        ).scalars()
    )
    plan = tuple(planned_announcements(session, campaign=campaign, at=campaign.send_at or utcnow()))
    rendered = 0
    for key in keys:
        if key in existing:
            continue
        language, chosen = announcements_for_key(plan, key)
        spec = edition_input(
            session, campaign=campaign, language=language, announcements=chosen,
            settings=settings, guarded=True,
        )  # fmt: skip
        output = render_edition(spec)
        session.add(
            Edition(
                campaign_id=campaign.id,
                key=key,
                language=language,
                announcement_ids=[v.id for v in spec.announcements],
                subject=spec.subject,
                html=output.html,
                text=output.text,
                links=list(output.links),
                link_announcements=list(output.link_announcements),
                rendered_at=utcnow(),
            )
        )
        rendered += 1
    session.flush()
    return rendered


def load_edition(session: Session, *, campaign_id: int, key: str) -> Edition:
    """The stored edition for a key (rendered by fan-out before any send)."""
    edition = session.exec(
        select(Edition).where(Edition.campaign_id == campaign_id, Edition.key == key)
    ).first()
    if edition is None:
        raise LookupError(f"edition {key!r} of campaign {campaign_id} was never rendered")
    return edition
