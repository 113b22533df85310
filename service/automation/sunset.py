"""Sunset policy (STANDARDS F6): ask long-unengaged subscribers, then stop mailing them.

Engagement is a *human* open or click (machine opens such as Apple MPP prefetches and scanner
clicks are flagged `machine` by tracking and never count, D8) or an explicit action in the
consent ledger (signup, confirmation, preference change, "keep me subscribed"). Only subscribers
with tracking consent leave per-person open/click events, so only they can be judged: everyone
else is never sunset. A subscriber is unengaged when, since their last engagement (or their
confirmation), they were sent at least `sunset_after_campaigns` campaigns with per-person
tracking, or at least one such campaign and `sunset_after_months` months have passed.

The daily run first sends a re-permission mail with a signed "keep me subscribed" link
(through the outbox: DKIM-signed, pooled SMTP); who neither answers nor engages within
`sunset_grace_days` is unsubscribed with a ledger withdrawal of reason `sunset`. That is no
suppression: they can subscribe again through the form (double opt-in).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.addressing.link_tokens import make_preferences
from service.addressing.tokens import codec
from service.audience.ledger import record
from service.models import (
    Campaign,
    ConsentEvent,
    ConsentEventKind,
    Delivery,
    DeliveryStatus,
    Subscriber,
    SubscriberStatus,
    SunsetOutcome,
    SunsetRequest,
    TrackingEvent,
)
from service.models._common import as_utc, utcnow
from service.models.campaign import TrackingMode
from service.settings import Settings, get_settings

EXPLICIT = (ConsentEventKind.SIGNUP, ConsentEventKind.CONFIRM, ConsentEventKind.PREFERENCE_CHANGE)
SOURCE = "sunset policy"
KEEP_REASON = "sunset-keep"

SUBJECTS = {
    "en": "Do you still want our newsletter?",
    "de": "Möchten Sie unseren Newsletter weiter erhalten?",
}
BODIES = {
    "en": (
        "Hello,\n\n"
        "you have not opened or clicked our newsletter for a while, and we only want to write\n"
        "to people who still want to hear from us.\n\n"
        "To keep receiving it, confirm here (one click, no login):\n{keep}\n\n"
        "If we hear nothing from you within {days} days, we will stop sending it to {email}.\n"
        "You can subscribe again at any time at {subscribe}.\n"
        "To change your choices or leave now: {preferences}\n\n"
        "{org}\n{postal}\n"
    ),
    "de": (
        "Guten Tag,\n\n"
        "Sie haben unseren Newsletter seit einiger Zeit weder geöffnet noch angeklickt, und wir\n"
        "möchten nur denen schreiben, die weiter von uns hören wollen.\n\n"
        "Um ihn weiter zu erhalten, bestätigen Sie bitte hier (ein Klick, keine Anmeldung):\n"
        "{keep}\n\n"
        "Hören wir innerhalb von {days} Tagen nichts von Ihnen, senden wir ihn nicht mehr an\n"
        "{email}. Sie können sich jederzeit wieder anmelden: {subscribe}\n"
        "Einstellungen ändern oder jetzt abmelden: {preferences}\n\n"
        "{org}\n{postal}\n"
    ),
}


@dataclass(frozen=True)
class Candidate:
    """A subscriber the policy judges unengaged."""

    subscriber_id: int
    email: str
    language: str
    inactive_since: datetime
    unanswered_campaigns: int


@dataclass
class SunsetRun:
    """What one run did (or, dry, would do)."""

    asked: list[Candidate] = field(default_factory=list)
    kept: list[int] = field(default_factory=list)
    sunset: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def epoch_day(moment: datetime) -> int:
    """Days since 1970-01-01 of the UTC date of `moment`."""
    return (moment.astimezone(UTC).date() - date(1970, 1, 1)).days


def months_before(now: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (clamped to the month's end)."""
    index = now.year * 12 + now.month - 1 - months
    year, month = divmod(index, 12)
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)


def _latest(session: Session, *values: sa.ColumnElement[datetime]) -> sa.ColumnElement[datetime]:
    """The latest of several timestamps (GREATEST on PostgreSQL, scalar max() on SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.greatest(*values)
    return sa.func.max(*values)


def candidates(
    session: Session, *, now: datetime | None = None, settings: Settings | None = None
) -> list[Candidate]:
    """Confirmed subscribers with tracking consent the policy judges unengaged, not yet asked."""
    s = settings or get_settings()
    now = now or utcnow()
    if not (s.sunset_after_campaigns or s.sunset_after_months):
        return []
    sub = Subscriber.__table__.c  # type: ignore[attr-defined]
    floor = sa.func.coalesce(sub.confirmed_at, sub.created_at)
    human = (
        sa.select(sa.func.max(TrackingEvent.occurred_at))
        .where(col(TrackingEvent.subscriber_id) == sub.id, col(TrackingEvent.machine).is_(False))
        .scalar_subquery()
    )
    explicit = (
        sa.select(sa.func.max(ConsentEvent.occurred_at))
        .where(
            col(ConsentEvent.subscriber_id) == sub.id,
            col(ConsentEvent.event).in_([e.value for e in EXPLICIT]),
        )
        .scalar_subquery()
    )
    kept = (
        sa.select(col(SunsetRequest.resolved_at))
        .where(
            col(SunsetRequest.subscriber_id) == sub.id,
            col(SunsetRequest.outcome) == SunsetOutcome.KEPT,
        )
        .scalar_subquery()
    )
    since = _latest(
        session,
        floor,
        sa.func.coalesce(human, floor),
        sa.func.coalesce(explicit, floor),
        sa.func.coalesce(kept, floor),
    ).label("since")
    # Asked and waiting: not again. Sunset ones who came back start afresh from their signup.
    asked = sa.select(col(SunsetRequest.subscriber_id)).where(
        col(SunsetRequest.outcome) == SunsetOutcome.ASKED
    )
    base = (
        sa.select(sub.id, sub.email, sub.language, since)
        .where(
            sub.status == SubscriberStatus.CONFIRMED,
            sub.tracking_consent.is_(True),
            sub.id.not_in(asked),
        )
        .subquery()
    )
    # Only campaigns tracked per person could have shown an open or click by this subscriber.
    sent = (
        sa.select(sa.func.count())
        .select_from(Delivery)
        .join(Campaign, col(Campaign.id) == col(Delivery.campaign_id))
        .where(
            col(Delivery.subscriber_id) == base.c.id,
            col(Delivery.status) == DeliveryStatus.SENT,
            col(Delivery.sent_at) > base.c.since,
            col(Campaign.tracking) == TrackingMode.CONSENT,
        )
        .scalar_subquery()
    )
    month_limit = months_before(now, s.sunset_after_months) if s.sunset_after_months else None
    found = []
    for row in session.execute(sa.select(base, sent.label("sent")).order_by(base.c.id)):
        inactive_since = as_utc(row.since)
        assert inactive_since is not None
        by_count = bool(s.sunset_after_campaigns) and row.sent >= s.sunset_after_campaigns
        by_time = month_limit is not None and row.sent >= 1 and inactive_since <= month_limit
        if by_count or by_time:
            found.append(Candidate(row.id, row.email, row.language, inactive_since, row.sent))
    return found


def _engaged_since(session: Session, subscriber_id: int, since: datetime) -> bool:
    """A human open/click or an explicit ledger action after `since`."""
    human = session.exec(
        select(TrackingEvent.id).where(
            TrackingEvent.subscriber_id == subscriber_id,
            col(TrackingEvent.machine).is_(False),
            col(TrackingEvent.occurred_at) > since,
        )
    ).first()
    if human is not None:
        return True
    explicit = session.exec(
        select(ConsentEvent.id).where(
            ConsentEvent.subscriber_id == subscriber_id,
            col(ConsentEvent.event).in_([e.value for e in EXPLICIT]),
            col(ConsentEvent.occurred_at) > since,
        )
    ).first()
    return explicit is not None


def due_decisions(
    session: Session, *, now: datetime | None = None, dry_run: bool = False
) -> tuple[list[int], list[int]]:
    """Resolve open requests: (kept: engaged since asked, sunset: grace over, no answer)."""
    now = now or utcnow()
    grace = timedelta(days=get_settings().sunset_grace_days)
    kept, ended = [], []
    open_requests = session.exec(
        select(SunsetRequest)
        .where(SunsetRequest.outcome == SunsetOutcome.ASKED)
        .order_by(col(SunsetRequest.subscriber_id))
    ).all()
    for request in open_requests:
        asked_at = as_utc(request.asked_at)
        assert asked_at is not None
        sub = session.get(Subscriber, request.subscriber_id)
        if sub is None or sub.status != SubscriberStatus.CONFIRMED:
            if not dry_run:  # left, bounced or was blocked meanwhile: nothing to decide
                session.delete(request)
            continue
        if _engaged_since(session, request.subscriber_id, asked_at):
            kept.append(request.subscriber_id)
            if not dry_run:
                request.outcome, request.resolved_at = SunsetOutcome.KEPT, now
                session.add(request)
        elif now - asked_at >= grace:
            ended.append(request.subscriber_id)
            if not dry_run:
                _stop_mailing(session, sub, request, now)
    session.flush()
    return kept, ended


def _stop_mailing(session: Session, sub: Subscriber, request: SunsetRequest, now: datetime) -> None:
    """Unsubscribe (no suppression: they may come back) with the reason in the ledger."""
    assert sub.id is not None
    sub.status, sub.unsubscribed_at = SubscriberStatus.UNSUBSCRIBED, now
    session.add(sub)
    request.outcome, request.resolved_at = SunsetOutcome.SUNSET, now
    session.add(request)
    asked_at = as_utc(request.asked_at)
    record(
        session,
        subscriber_id=sub.id,
        event=ConsentEventKind.WITHDRAWAL,
        source=SOURCE,
        occurred_at=now,
        detail={
            "reason": "sunset",
            "asked_at": asked_at.isoformat() if asked_at else None,
            "inactive_since": (as_utc(request.inactive_since) or now).isoformat(),
            "unanswered_campaigns": request.unanswered_campaigns,
        },
    )


def keep_subscribed(
    session: Session, *, token: str, ip: str | None, now: datetime | None = None
) -> Subscriber | None:
    """The "keep me subscribed" answer: recorded once in the ledger; None for a bad token.

    Too late (sunset already, or they left meanwhile) the subscriber comes back unchanged;
    the caller tells them by their status that they are no longer subscribed.
    """
    now = now or utcnow()
    ids = codec().decode_keep(token)
    request = session.get(SunsetRequest, ids.subscriber_id) if ids else None
    sub = session.get(Subscriber, ids.subscriber_id) if ids else None
    if ids is None or request is None or sub is None:
        return None
    asked_at = as_utc(request.asked_at)
    if asked_at is None or epoch_day(asked_at) != ids.asked_day:
        return None  # a link from an earlier request
    if request.outcome == SunsetOutcome.ASKED and sub.status == SubscriberStatus.CONFIRMED:
        request.outcome, request.resolved_at = SunsetOutcome.KEPT, now
        session.add(request)
        record(
            session,
            subscriber_id=ids.subscriber_id,
            event=ConsentEventKind.PREFERENCE_CHANGE,
            source=SOURCE,
            ip=ip,
            occurred_at=now,
            detail={"reason": KEEP_REASON, "asked_at": asked_at.isoformat()},
        )
    return sub


def keep_url(subscriber_id: int, asked_at: datetime, settings: Settings | None = None) -> str:
    """The signed link of a re-permission mail."""
    s = settings or get_settings()
    day = epoch_day(asked_at)
    return f"{s.public_url.rstrip('/')}/keep/{codec(s).keep(subscriber_id, day)}"


def build_repermission(candidate: Candidate, *, now: datetime) -> EmailMessage:
    """The re-permission mail in the subscriber's language: a question, no news."""
    s = get_settings()
    lang = candidate.language if candidate.language in SUBJECTS else "en"
    base = s.public_url.rstrip("/")
    msg = EmailMessage()
    msg["From"] = Address(s.from_name, addr_spec=s.from_address)
    msg["To"] = Address(addr_spec=candidate.email)
    msg["Subject"] = SUBJECTS[lang]
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain=s.message_id_domain)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: a system request, not to be answered
    msg.set_content(
        BODIES[lang].format(
            keep=keep_url(candidate.subscriber_id, now, s),
            days=s.sunset_grace_days,
            email=candidate.email,
            subscribe=f"{base}/subscribe",
            preferences=f"{base}/p/{make_preferences(candidate.subscriber_id)}",
            org=s.org_legal_name,
            postal=s.org_postal_address,
        ),
        charset="utf-8",
    )
    return msg


def mark_asked(session: Session, candidate: Candidate, msg: EmailMessage, now: datetime) -> None:
    """Record (or rewrite) the candidate's request before its mail goes out."""
    request = session.get(SunsetRequest, candidate.subscriber_id) or SunsetRequest(
        subscriber_id=candidate.subscriber_id
    )
    request.outcome, request.asked_at, request.resolved_at = SunsetOutcome.ASKED, now, None
    request.inactive_since = candidate.inactive_since
    request.unanswered_campaigns = candidate.unanswered_campaigns
    request.message_id = str(msg["Message-ID"])
    session.add(request)
    session.flush()
