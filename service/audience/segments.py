"""Resolve segment rules against the database: live counts, samples and campaign audiences."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, select

from service.domain.segment_rules import compile_rule
from service.models._common import table_of
from service.models.subscriber import SEGMENT_TOPICS_INDEXED, Subscriber, SubscriberStatus
from service.models.subscription import ListSubscription
from service.models.suppression import Suppression

subscriber_t: sa.Table = table_of(Subscriber)
suppression_t: sa.Table = table_of(Suppression)
membership_t: sa.Table = table_of(ListSubscription)


def dialect_of(session: Session) -> str:
    """'sqlite' or 'postgresql' for the session's bind."""
    return session.get_bind().dialect.name


def deliverable_condition(list_slug: str | None = None) -> ColumnElement[bool]:
    """Confirmed, not on the suppression list (by keyed hash), and subscribed to `list_slug`.

    Consent is per list: a subscriber receives a list's campaigns only while they hold an
    active subscription row for it; no row means no consent (never "every list by default").
    Without `list_slug` (segment counts, which know no list) only status and suppression count.
    """
    suppressed = sa.exists().where(suppression_t.c.email_hash == subscriber_t.c.email_hash)
    conds = [subscriber_t.c.status == SubscriberStatus.CONFIRMED.value, sa.not_(suppressed)]
    if list_slug is not None:
        subscribed = sa.exists().where(
            membership_t.c.subscriber_id == subscriber_t.c.id,
            membership_t.c.list_slug == list_slug,
            membership_t.c.active == sa.true(),
        )
        conds.append(subscribed)
    return sa.and_(*conds)


def deliverable_ids(
    session: Session, *, subscriber_ids: list[int], list_slug: str | None = None
) -> set[int]:
    """Which of these subscribers may still be mailed now: the re-check at dispatch (B5, F5)."""
    if not subscriber_ids:
        return set()
    stmt = sa.select(subscriber_t.c.id).where(
        subscriber_t.c.id.in_(subscriber_ids), deliverable_condition(list_slug)
    )
    return set(session.execute(stmt).scalars())


def audience_condition(
    session: Session | None = None,
    *,
    include_rules: list[dict[str, Any]],
    exclude_rules: list[dict[str, Any]],
    dialect: str | None = None,
    now: datetime | None = None,
    list_slug: str | None = None,
) -> ColumnElement[bool]:
    """Union of include rules minus exclude rules, deliverable subscribers only.

    A WHERE clause over `subscriber`, so the caller selects each subscriber once however many
    segments they are in; `dialect` defaults to the session's; with `list_slug` (the campaign's
    list) people who left that list are excluded too.
    """
    if dialect is None:
        if session is None:
            raise ValueError("audience_condition needs a session or a dialect")
        dialect = dialect_of(session)
    included = sa.or_(
        sa.false(), *(compile_rule(r, dialect=dialect, now=now) for r in include_rules)
    )
    excluded = sa.or_(
        sa.false(), *(compile_rule(r, dialect=dialect, now=now) for r in exclude_rules)
    )
    return sa.and_(deliverable_condition(list_slug), included, sa.not_(excluded))


def segment_condition(
    session: Session, *, rule: dict[str, Any], deliverable_only: bool, now: datetime | None
) -> ColumnElement[bool]:
    """The rule alone, or the rule restricted to deliverable subscribers."""
    if deliverable_only:
        return audience_condition(session, include_rules=[rule], exclude_rules=[], now=now)
    return compile_rule(rule, dialect=dialect_of(session), now=now)


def segment_count(
    session: Session,
    *,
    rule: dict[str, Any],
    deliverable_only: bool = True,
    now: datetime | None = None,
) -> int:
    """How many subscribers the rule selects right now (by default: who would be mailed).

    Deliverable = confirmed people matching the rule, minus the suppressed among them: the
    same set as audience_condition() (suppression.email_hash is unique), counted so that the
    first term reads only the narrow segment index on PostgreSQL (status, language, topics)
    and the second starts from the small suppression list (issue 11). People whose topics are
    too long for that index are counted from their own small index.
    """
    stmt = count_statement(session, rule=rule, deliverable_only=deliverable_only, now=now)
    return int(session.execute(stmt).scalar_one())


def count_statement(
    session: Session, *, rule: dict[str, Any], deliverable_only: bool, now: datetime | None
) -> sa.Select[Any]:
    """The SELECT segment_count runs (see there)."""
    cond = compile_rule(rule, dialect=dialect_of(session), now=now)
    if not deliverable_only:
        return sa.select(sa.func.count()).select_from(subscriber_t).where(cond)
    matching = sa.and_(subscriber_t.c.status == SubscriberStatus.CONFIRMED.value, cond)
    short = sa.func.length(subscriber_t.c.segment_topics) <= SEGMENT_TOPICS_INDEXED
    people = [
        sa.select(sa.func.count()).select_from(subscriber_t).where(matching, part)
        for part in (short, sa.not_(short))
    ]
    suppressed = (
        sa.select(sa.func.count())
        .select_from(
            suppression_t.join(
                subscriber_t, suppression_t.c.email_hash == subscriber_t.c.email_hash
            )
        )
        .where(matching)
    )
    total = people[0].scalar_subquery() + people[1].scalar_subquery()
    return sa.select(total - suppressed.scalar_subquery())


def segment_sample(
    session: Session,
    *,
    rule: dict[str, Any],
    limit: int = 10,
    deliverable_only: bool = True,
    now: datetime | None = None,
) -> list[Subscriber]:
    """Up to `limit` matching subscribers, lowest id first (stable for previews)."""
    cond = segment_condition(session, rule=rule, deliverable_only=deliverable_only, now=now)
    stmt = select(Subscriber).where(cond).order_by(subscriber_t.c.id).limit(limit)
    return list(session.exec(stmt).all())
