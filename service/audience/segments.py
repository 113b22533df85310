"""Resolve segment rules against the database: live counts, samples and campaign audiences."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, select

from service.domain.segment_rules import compile_rule
from service.models.subscriber import Subscriber, SubscriberStatus
from service.models.subscription import ListSubscription
from service.models.suppression import Suppression

subscriber_t: sa.Table = Subscriber.__table__  # type: ignore[attr-defined]
suppression_t: sa.Table = Suppression.__table__  # type: ignore[attr-defined]
membership_t: sa.Table = ListSubscription.__table__  # type: ignore[attr-defined]


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
    """How many subscribers the rule selects right now (by default: who would be mailed)."""
    cond = segment_condition(session, rule=rule, deliverable_only=deliverable_only, now=now)
    stmt = sa.select(sa.func.count()).select_from(subscriber_t).where(cond)
    return int(session.execute(stmt).scalar_one())


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
