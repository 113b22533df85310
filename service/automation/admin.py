"""What the comms team edits: digest schedules, welcome series and their steps (versioned)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.accounts.errors import N_
from service.audit import record
from service.automation.periods import check_schedule
from service.automation.welcome import current_key, key_revision
from service.campaigns.authoring import resolve_segments
from service.campaigns.editions import INTRO_VARIABLES, ensure_editions
from service.errors import ExplainedInvalid, InvalidInput, NotFound, StaleWrite
from service.models import (
    Cadence,
    Campaign,
    Delivery,
    DeliveryStatus,
    DigestSchedule,
    WelcomeSeries,
    WelcomeStep,
)
from service.models._common import table_of
from service.rendering.environment import validate_template
from service.settings import get_settings

SCHEDULE_FIELDS = frozenset(
    {"name", "list_slug", "cadence", "weekday", "day_of_month", "hour", "timezone"}
    | {"subject_en", "subject_de", "segment_slugs", "needs_approval", "active"}
)


def _check_version(current: int, expected: int | None, *, kind: str) -> None:
    """A form based on an older version is refused, never silently overwritten."""
    if expected is not None and expected != current:
        raise StaleWrite(
            f"this {kind} was changed meanwhile (version {current}, your form {expected}); reload",
            msgid="Someone else changed this meanwhile. Reload and apply your changes again.",
        )


def _known_list(slug: str) -> str:
    lists = get_settings().mailing_lists
    if slug not in lists:
        raise ExplainedInvalid(
            f"unknown list {slug!r} (known: {', '.join(sorted(lists))})",
            msgid=N_("Unknown list %(slug)s."),
            slug=slug,
        )
    return lists[slug]


def save_schedule(
    session: Session,
    *,
    fields: dict[str, Any],
    schedule_id: int | None = None,
    version: int | None = None,
) -> DigestSchedule:
    """Create or change a digest schedule after checking every field."""
    unknown = set(fields) - SCHEDULE_FIELDS
    if unknown:
        raise InvalidInput(f"unknown digest field(s): {', '.join(sorted(unknown))}")
    row = (
        DigestSchedule(name="") if schedule_id is None else session.get(DigestSchedule, schedule_id)
    )
    if row is None:
        raise NotFound(f"digest schedule {schedule_id} does not exist")
    if schedule_id is not None:
        _check_version(row.version, version, kind="digest schedule")
        row.version += 1
    for key, value in fields.items():
        setattr(row, key, value)
    if not row.name.strip():
        raise ExplainedInvalid("a digest needs a name", msgid=N_("A digest needs a name."))
    row.list_name = _known_list(row.list_slug)
    resolve_segments(session, slugs=list(row.segment_slugs))
    check_schedule(row)
    row.cadence = Cadence(row.cadence)
    session.add(row)
    session.flush()
    return row


def save_series(
    session: Session,
    *,
    name: str,
    list_slug: str,
    language: str,
    active: bool = True,
    series_id: int | None = None,
    version: int | None = None,
) -> WelcomeSeries:
    """Create or change a welcome series (one per list and language)."""
    if language not in ("de", "en"):
        raise ExplainedInvalid("language: de or en", msgid=N_("Language: German or English."))
    row = WelcomeSeries(name="") if series_id is None else session.get(WelcomeSeries, series_id)
    if row is None:
        raise NotFound(f"welcome series {series_id} does not exist")
    if series_id is not None:
        _check_version(row.version, version, kind="welcome series")
        row.version += 1
    taken = session.exec(
        select(WelcomeSeries.id).where(
            WelcomeSeries.list_slug == list_slug,
            WelcomeSeries.language == language,
            WelcomeSeries.id != row.id,
        )
    ).first()
    if taken is not None:
        raise ExplainedInvalid(
            f"there is a welcome series for {list_slug}/{language} already",
            msgid=N_("There is a welcome series for %(list)s in this language already."),
            list=list_slug,
        )
    if not name.strip():
        raise ExplainedInvalid(
            "a welcome series needs a name", msgid=N_("A welcome series needs a name.")
        )
    row.name, row.list_slug, row.language, row.active = name.strip(), list_slug, language, active
    row.list_name = _known_list(list_slug)
    session.add(row)
    session.flush()
    return row


def save_step(
    session: Session,
    *,
    series_id: int,
    position: int,
    delay_minutes: int,
    subject: str,
    body: str,
    version: int | None = None,
    actor_id: int | None = None,
) -> WelcomeStep:
    """Add or change step `position` (the series' version is checked and bumped).

    Changing the texts of a step that went out already renders a new edition revision for
    future sends (and rows still queued); rows and editions of mails sent stay as they were."""
    series = session.get(WelcomeSeries, series_id)
    if series is None:
        raise NotFound(f"welcome series {series_id} does not exist")
    _check_version(series.version, version, kind="welcome series")
    if position < 1 or delay_minutes < 0:
        raise ExplainedInvalid(
            "position from 1, delay of 0 minutes or more",
            msgid=N_("Step numbers start at 1; the delay is 0 or more."),
        )
    if not subject.strip():
        raise ExplainedInvalid("a step needs a subject", msgid=N_("A step needs a subject."))
    validate_template(body, allowed_variables=set(INTRO_VARIABLES))  # now, not when due
    step = session.exec(
        select(WelcomeStep).where(
            WelcomeStep.series_id == series_id, WelcomeStep.position == position
        )
    ).first() or WelcomeStep(series_id=series_id, position=position, subject="")
    before = (step.subject, step.body, step.delay_minutes)
    texts_changed = before[:2] != (subject.strip(), body)
    step.delay_minutes, step.subject, step.body = delay_minutes, subject.strip(), body
    campaign = session.get(Campaign, step.campaign_id) if step.campaign_id else None
    revision = None
    if campaign is not None:  # the campaign carries the texts the next edition is rendered from
        campaign.subject_en = campaign.subject_de = step.subject
        campaign.intro_en = campaign.intro_de = step.body
        session.add(campaign)
        if texts_changed and campaign.id is not None and _step_sent(session, campaign.id):
            revision = _new_revision(session, campaign=campaign, language=series.language)
    series.version += 1
    session.add_all([step, series])
    session.flush()
    record(
        session,
        actor_id=actor_id,
        action="welcome_step.create" if before == ("", "", 0) else "welcome_step.edit",
        object_type="welcome_step",
        object_id=step.id or 0,
        series_id=series_id,
        position=position,
        subject=[before[0], step.subject],
        delay_minutes=[before[2], step.delay_minutes],
        body_changed=before[1] != step.body,
        edition_key=revision,
    )
    return step


def _new_revision(session: Session, *, campaign: Campaign, language: str) -> str:
    """Render the step's new texts under a fresh edition key that later rows will get."""
    assert campaign.id is not None
    latest = current_key(session, campaign_id=campaign.id, language=language)
    key = f"{language}:0@{key_revision(latest) + 1}"
    ensure_editions(session, campaign=campaign, keys=(key,), settings=get_settings())
    # rows not claimed yet are future sends too; the sender reads the key after its claim
    session.execute(
        sa.update(table_of(Delivery))
        .where(
            table_of(Delivery).c.campaign_id == campaign.id,
            table_of(Delivery).c.status == DeliveryStatus.QUEUED.value,
        )
        .values(edition_key=key)
    )
    return key


def _step_sent(session: Session, campaign_id: int) -> bool:
    return (
        session.exec(select(Delivery.id).where(Delivery.campaign_id == campaign_id)).first()
        is not None
    )


def schedules(session: Session) -> list[DigestSchedule]:
    """Every digest schedule by name."""
    return list(session.exec(select(DigestSchedule).order_by(col(DigestSchedule.name))))


def all_series(session: Session) -> list[WelcomeSeries]:
    """Every welcome series by list and language."""
    return list(
        session.exec(
            select(WelcomeSeries).order_by(
                col(WelcomeSeries.list_slug), col(WelcomeSeries.language)
            )
        )
    )
