"""Welcome series: steps after double opt-in, each step a campaign, each mail a delivery row.

A step's campaign (cadence "series") stays in `sending` with its fan-out done; its rows come
from enrolments instead: every tick inserts, in one INSERT ... SELECT ... ON CONFLICT DO
NOTHING per step, a row for each enrolment whose delay has passed, who is still deliverable
and who was sent the previous step. The unique (campaign, subscriber) key means a restart
never repeats a step, and the due query picks up any row still missing, so none is skipped.
The sender's claim re-checks the subscriber, so leaving mid-series stops the next mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from service.audience.segments import deliverable_condition
from service.audience.withdrawal import memberships
from service.campaigns.dispatch import queued_ranges
from service.campaigns.editions import ensure_editions
from service.campaigns.lifecycle import apply_action
from service.domain.campaign_states import CampaignAction
from service.models import (
    AutomationEvent,
    Cadence,
    Campaign,
    Delivery,
    DeliveryStatus,
    Edition,
    Subscriber,
    WelcomeEnrolment,
    WelcomeSeries,
    WelcomeStep,
)
from service.models._common import table_of
from service.settings import Settings


@dataclass(frozen=True)
class StepWork:
    """Send ranges of one step campaign after the tick's commit."""

    campaign_id: int
    ranges: tuple[tuple[int, int], ...]


def steps_of(session: Session, *, series_id: int) -> list[WelcomeStep]:
    """A series' steps in order."""
    return list(
        session.exec(
            select(WelcomeStep)
            .where(WelcomeStep.series_id == series_id)
            .order_by(col(WelcomeStep.position))
        )
    )


def enrol(session: Session, *, event: AutomationEvent, now: datetime) -> None:
    """CONFIRMED: start every active series of the subscriber's language and lists."""
    subscriber = session.get(Subscriber, event.subscriber_id) if event.subscriber_id else None
    if subscriber is None or subscriber.id is None:
        return
    lists = {slug for slug, on in memberships(session, subscriber=subscriber).items() if on}
    series = session.exec(
        select(WelcomeSeries).where(
            col(WelcomeSeries.active),
            WelcomeSeries.language == subscriber.language,
            col(WelcomeSeries.list_slug).in_(lists),
        )
    )
    table = table_of(WelcomeEnrolment)
    for one in series:
        stmt = _insert(session)(table).values(
            series_id=one.id, subscriber_id=subscriber.id, started_at=event.occurred_at
        )
        session.execute(stmt.on_conflict_do_nothing(index_elements=["series_id", "subscriber_id"]))


def stop_departed(session: Session, *, now: datetime, event: AutomationEvent | None = None) -> int:
    """Close enrolments of subscribers who left the series' list or can no longer be mailed."""
    enrolments, stopped = table_of(WelcomeEnrolment), 0
    for one in session.exec(select(WelcomeSeries)):
        gone = sa.select(col(Subscriber.id)).where(sa.not_(deliverable_condition(one.list_slug)))
        conds = [enrolments.c.series_id == one.id, enrolments.c.stopped_at.is_(None)]
        if event is not None and event.subscriber_id is not None:
            conds.append(enrolments.c.subscriber_id == event.subscriber_id)
        result = session.execute(
            sa.update(enrolments)
            .where(*conds, enrolments.c.subscriber_id.in_(gone))
            .values(stopped_at=now, stop_reason="left or suppressed")
        )
        stopped += int(getattr(result, "rowcount", 0) or 0)
    return stopped


def on_preferences(session: Session, *, event: AutomationEvent, now: datetime) -> None:
    """PREFERENCES_CHANGED: leaving a list ends its series for this subscriber."""
    stop_departed(session, now=now, event=event)


def step_campaign(session: Session, *, series: WelcomeSeries, step: WelcomeStep) -> Campaign:
    """The step's campaign, created on first use (draft -> scheduled -> sending, fan-out done)."""
    if step.campaign_id is not None:
        found = session.get(Campaign, step.campaign_id)
        if found is not None:
            return found
    campaign = Campaign(
        name=f"{series.name}: step {step.position}",
        subject_en=step.subject,
        subject_de=step.subject,
        intro_en=step.body,
        intro_de=step.body,
        list_slug=series.list_slug,
        list_name=series.list_name,
        cadence=Cadence.SERIES.value,
        plan_announcement_ids=[],
        fanout_done=True,
    )
    session.add(campaign)
    session.flush()
    assert campaign.id is not None
    apply_action(session, campaign_id=campaign.id, action=CampaignAction.SCHEDULE)
    apply_action(session, campaign_id=campaign.id, action=CampaignAction.START)
    step.campaign_id = campaign.id
    session.add(step)
    session.flush()
    return campaign


def key_revision(key: str) -> int:
    """The text revision in a step's edition key: "en:0" is 0, "en:0@2" is 2."""
    return int(key.partition("@")[2] or 0)


def current_key(session: Session, *, campaign_id: int, language: str) -> str:
    """The edition key new rows of a step get: its newest text revision."""
    keys = session.exec(select(Edition.key).where(Edition.campaign_id == campaign_id)).all()
    return max(keys, key=key_revision, default=f"{language}:0")


def _insert(session: Session) -> type:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert  # type: ignore[return-value]


def queue_due_steps(session: Session, *, now: datetime, settings: Settings) -> list[StepWork]:
    """Insert the delivery rows of every step now due; returns what to send after commit."""
    work = []
    for series in session.exec(select(WelcomeSeries).where(col(WelcomeSeries.active))):
        assert series.id is not None
        previous: int | None = None
        for step in steps_of(session, series_id=series.id):
            campaign = step_campaign(session, series=series, step=step)
            assert campaign.id is not None
            key = current_key(session, campaign_id=campaign.id, language=series.language)
            first = _queue_step(
                session,
                series=series,
                step=step,
                campaign_id=campaign.id,
                key=key,
                previous_campaign=previous,
                now=now,
            )
            if first is not None:
                ensure_editions(session, campaign=campaign, keys=(key,), settings=settings)
                ranges = queued_ranges(
                    session,
                    campaign_id=campaign.id,
                    batch_size=settings.send_batch_size,
                    first_id=first,
                )
                work.append(StepWork(campaign.id, tuple(ranges)))
            previous = campaign.id
    return work


def _queue_step(
    session: Session,
    *,
    series: WelcomeSeries,
    step: WelcomeStep,
    campaign_id: int,
    key: str,
    previous_campaign: int | None,
    now: datetime,
) -> int | None:
    """One INSERT ... SELECT for the step; the smallest new delivery id, or None."""
    enrolments, deliveries = table_of(WelcomeEnrolment), table_of(Delivery)
    subscribers = table_of(Subscriber)
    conds = [
        enrolments.c.series_id == series.id,
        enrolments.c.stopped_at.is_(None),
        enrolments.c.started_at <= now - timedelta(minutes=step.delay_minutes),
        subscribers.c.id == enrolments.c.subscriber_id,
        deliverable_condition(series.list_slug),
    ]
    if previous_campaign is not None:  # in order: step n waits until step n-1 was sent
        earlier = deliveries.alias("earlier")
        conds.append(
            sa.exists().where(
                earlier.c.campaign_id == previous_campaign,
                earlier.c.subscriber_id == enrolments.c.subscriber_id,
                earlier.c.status == DeliveryStatus.SENT.value,
            )
        )
    source = sa.select(
        sa.literal(campaign_id),
        enrolments.c.subscriber_id,
        sa.literal(key),
        sa.literal(DeliveryStatus.QUEUED.value),
        sa.literal(0),
    ).where(*conds)
    stmt = (
        _insert(session)(deliveries)
        .from_select(["campaign_id", "subscriber_id", "edition_key", "status", "attempts"], source)
        .on_conflict_do_nothing(index_elements=["campaign_id", "subscriber_id"])
        .returning(deliveries.c.id)
    )
    ids = list(session.execute(stmt).scalars())
    return min(ids) if ids else None


def timeline(steps: list[WelcomeStep], *, start: datetime) -> list[tuple[WelcomeStep, datetime]]:
    """When each step would go out for someone confirming at `start` (the editor's preview)."""
    return [(s, start + timedelta(minutes=s.delay_minutes)) for s in steps]
