"""Creating, editing and scheduling campaigns, with every check done before anything is sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, delete, select

from service.accounts.errors import N_
from service.audit import record
from service.campaigns.assembly import candidate_announcements
from service.campaigns.complaint_gate import complaint_gate
from service.campaigns.edition_subjects import apply_subjects
from service.campaigns.editions import INTRO_VARIABLES, intro_context
from service.campaigns.lifecycle import apply_action, get_campaign
from service.campaigns.linting import blocking_errors, lint_campaign
from service.campaigns.picks import pick_problems, set_picks
from service.campaigns.validation import check_campaign_fields
from service.domain.campaign_states import CampaignAction
from service.errors import ExplainedInvalid, InvalidInput
from service.models import Campaign, CampaignSegment, Segment
from service.models._common import utcnow
from service.models.campaign import CampaignStatus
from service.rendering.environment import validate_template
from service.versioning import bump, ensure_current

PAST_TOLERANCE = timedelta(seconds=60)
MAX_LISTED_ERRORS = 10


def resolve_segments(session: Session, *, slugs: list[str]) -> list[Segment]:
    """Segments by slug; an unknown slug is an error naming it."""
    found = {s.slug: s for s in session.exec(select(Segment).where(Segment.slug.in_(slugs)))}  # type: ignore[attr-defined]
    unknown = [slug for slug in slugs if slug not in found]
    if unknown:
        raise ExplainedInvalid(
            f"unknown segment(s): {', '.join(unknown)}",
            msgid=N_("Unknown segment(s): %(slugs)s."),
            slugs=", ".join(unknown),
        )
    return [found[slug] for slug in slugs]


def check_intro_templates(campaign: Campaign) -> None:
    """Intros are comms-team templates: compile them in the sandbox now, not mid-send."""
    for language in ("en", "de"):
        source = getattr(campaign, f"intro_{language}")
        if source:
            try:
                # the campaign's own values: the save-time trial render is the send-time render
                validate_template(
                    source,
                    allowed_variables=set(INTRO_VARIABLES),
                    sample_context=intro_context(campaign, language),
                )
            except InvalidInput as exc:
                raise type(exc)(f"intro_{language}: {exc}") from exc


def set_segments(
    session: Session, *, campaign: Campaign, include: list[str], exclude: list[str]
) -> None:
    """Replace the campaign's target and exclusion segments."""
    if not include:
        raise InvalidInput("a campaign needs at least one target segment")
    targets = resolve_segments(session, slugs=include)
    exclusions = resolve_segments(session, slugs=exclude)
    session.exec(delete(CampaignSegment).where(col(CampaignSegment.campaign_id) == campaign.id))
    assert campaign.id is not None
    for segment, exclude_it in [(s, False) for s in targets] + [(s, True) for s in exclusions]:
        assert segment.id is not None
        session.add(
            CampaignSegment(campaign_id=campaign.id, segment_id=segment.id, exclude=exclude_it)
        )
    session.flush()


def save_campaign(
    session: Session,
    *,
    fields: dict[str, Any],
    include: list[str] | None,
    exclude: list[str] | None,
    campaign_id: int | None = None,
    announcement_ids: list[int] | None = None,
    actor_id: int | None = None,
    version: int | None = None,
    edition_subjects: dict[str, str] | None = None,
) -> Campaign:
    """Create or update a draft campaign after validating its templates and segments.

    `announcement_ids` (None: leave as is; []: no picks, i.e. every approved valid one) are the
    announcements the campaign carries; `version` is the one the caller's form was based on;
    `edition_subjects` maps an announcement set ("de:3,7") to its subject ("" removes it).
    """
    creating = campaign_id is None
    if campaign_id is None:
        campaign = Campaign(**fields)
    else:
        campaign = get_campaign(session, campaign_id=campaign_id, lock=True)
        ensure_current(session, row=campaign, expected=version, kind="campaign")
        if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
            raise InvalidInput(
                f"campaign {campaign_id} is {campaign.status}; only drafts can be edited"
            )
        for key, value in fields.items():
            setattr(campaign, key, value)
    if edition_subjects:
        apply_subjects(campaign, edition_subjects)
    check_campaign_fields(campaign)
    check_intro_templates(campaign)
    bump(campaign, actor_id=actor_id)
    campaign.version = 1 if creating else campaign.version
    session.add(campaign)
    session.flush()
    assert campaign.id is not None
    if include is not None:
        set_segments(session, campaign=campaign, include=include, exclude=exclude or [])
    if announcement_ids is not None:
        set_picks(session, campaign_id=campaign.id, announcement_ids=announcement_ids)
    changed = sorted(fields) + (["edition_subjects"] if edition_subjects else [])
    detail: dict[str, Any] = {"fields": changed}
    detail["version"] = campaign.version
    if announcement_ids is not None:
        detail["announcements"] = sorted(set(announcement_ids))
    action = "campaign.create" if creating else "campaign.edit"
    record(
        session,
        actor_id=actor_id,
        action=action,
        object_type="campaign",
        object_id=campaign.id,
        **detail,
    )
    return campaign


def schedule(
    session: Session,
    *,
    campaign_id: int,
    send_at: datetime | None,
    actor_id: int | None = None,
    version: int | None = None,
    override_gate: str | None = None,
    actor: str = "admin",
) -> Campaign:
    """Schedule a draft for `send_at` (default now) after checking it can be sent.

    A time without an offset means the campaign's own time zone (e.g. 09:00 in Munich).
    `override_gate` is an admin's reason to schedule despite the complaint gate (audit-logged).
    """
    now = utcnow()
    campaign = get_campaign(session, campaign_id=campaign_id, lock=True)
    ensure_current(session, row=campaign, expected=version, kind="campaign")
    when = in_zone(send_at, campaign.timezone) if send_at else now
    if when < now - PAST_TOLERANCE:
        raise InvalidInput(f"send time {when.isoformat()} is in the past (now {now.isoformat()})")
    targets = session.exec(
        select(CampaignSegment).where(CampaignSegment.campaign_id == campaign_id)
    ).all()
    if not any(not t.exclude for t in targets):
        raise InvalidInput("a campaign needs at least one target segment before it is scheduled")
    problems = pick_problems(session, campaign_id=campaign_id, at=when)
    if problems:
        raise InvalidInput("picked announcements cannot be sent: " + "; ".join(problems))
    if not candidate_announcements(session, campaign=campaign, at=when):
        raise InvalidInput("no approved announcement is valid at the send time; nothing to send")
    check_campaign_fields(campaign)
    check_intro_templates(campaign)
    check_lint(session, campaign_id=campaign_id, at=when)
    check_complaint_gate(
        session, campaign_id=campaign_id, now=now, override=override_gate, actor=actor
    )
    campaign.send_at = when.astimezone(UTC)
    return act(
        session,
        campaign_id=campaign_id,
        action=CampaignAction.SCHEDULE,
        actor_id=actor_id,
        detail={"send_at": campaign.send_at.isoformat(), "timezone": campaign.timezone},
    )


def act(
    session: Session,
    *,
    campaign_id: int,
    action: CampaignAction,
    actor_id: int | None,
    version: int | None = None,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Campaign:
    """A person's state change (schedule, pause, resume, cancel): versioned and audited."""
    campaign = get_campaign(session, campaign_id=campaign_id, lock=True)
    ensure_current(session, row=campaign, expected=version, kind="campaign")
    campaign = apply_action(session, campaign_id=campaign_id, action=action, reason=reason)
    bump(campaign, actor_id=actor_id)
    record(
        session,
        actor_id=actor_id,
        action=f"campaign.{action.value}",
        object_type="campaign",
        object_id=campaign_id,
        state=campaign.status,
        version=campaign.version,
        **(detail or {}),
    )
    session.flush()
    return campaign


MIN_OVERRIDE_REASON = 10


def check_complaint_gate(
    session: Session, *, campaign_id: int, now: datetime, override: str | None, actor: str
) -> None:
    """STANDARDS F4: at >= 0.3% complaints the next campaign waits, unless an admin overrides."""
    from service.campaigns.history import record as note_in_history

    gate = complaint_gate(session, now=now)
    if gate.allowed:
        return
    reason = (override or "").strip()
    if not reason:
        raise InvalidInput(f"scheduling blocked by the complaint rate: {gate.reason}")
    if len(reason) < MIN_OVERRIDE_REASON or any(c in reason for c in "\r\n\x00"):
        raise InvalidInput(
            f"an override of the complaint gate needs a reason of at least {MIN_OVERRIDE_REASON}"
            " characters on one line"
        )
    detail = f"complaint gate overridden: {reason[:1000]} (gate: {gate.reason})"
    note_in_history(
        session, campaign_id=campaign_id, kind="complaint-gate-override", detail=detail, actor=actor
    )


def in_zone(moment: datetime, zone: str) -> datetime:
    """`moment` in UTC; a naive one is read as wall-clock time in `zone`."""
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    try:
        return moment.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    except ZoneInfoNotFoundError as exc:
        raise InvalidInput(f"unknown time zone {zone!r} on the campaign") from exc


def check_lint(session: Session, *, campaign_id: int, at: datetime) -> None:
    """Lint errors in any previewable edition block scheduling; the message lists them."""
    errors = blocking_errors(lint_campaign(session, campaign_id=campaign_id, at=at))
    if errors:
        listed = "; ".join(errors[:MAX_LISTED_ERRORS])
        more = len(errors) - MAX_LISTED_ERRORS
        raise InvalidInput(
            f"campaign {campaign_id} cannot be scheduled: {len(errors)} lint error(s): {listed}"
            + (f"; and {more} more" if more > 0 else "")
        )


def delete_campaign(session: Session, *, campaign_id: int) -> None:
    """Delete a campaign that never started; sent ones are history and stay."""
    campaign = get_campaign(session, campaign_id=campaign_id)
    if (
        campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.CANCELLED)
        or campaign.started_at
    ):
        raise InvalidInput(
            f"campaign {campaign_id} is {campaign.status}; cancel it instead of deleting"
        )
    session.delete(campaign)
    session.flush()
