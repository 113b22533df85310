"""Double opt-in: subscribe (unconfirmed + ledger + confirmation request), confirm, purge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.addressing.link_tokens import decode_confirm
from service.audience import ledger
from service.audience.doi_mail import build_confirmation, epoch_day
from service.audience.profile import apply_profile
from service.audience.suppression import SELF_LIFTABLE, lift_by_consent, suppression_of
from service.audience.withdrawal import set_membership
from service.domain.addresses import email_hash, normalise_email
from service.errors import InvalidInput, NewsdeskError, NotFound
from service.events import emit
from service.models._common import utcnow
from service.models.automation import EventKind
from service.models.consent import ConsentEvent, ConsentEventKind, ledger_erasure
from service.models.subscriber import Language, Subscriber, SubscriberStatus
from service.settings import get_settings


class ConfirmationExpired(NewsdeskError):
    """The confirmation link is older than settings.doi_expiry_days."""


@dataclass(frozen=True)
class SubscribeOutcome:
    """`message` is the confirmation request to send after commit (None: nothing to send)."""

    subscriber: Subscriber | None
    message: EmailMessage | None
    state: str  # invited | already_confirmed | refused


def subscribe(
    session: Session,
    *,
    email: str,
    source: str,
    name: str | None = None,
    language: str = "en",
    lists: set[str] | None = None,
    topics: set[str] | None = None,
    profile: dict[str, str] | None = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> SubscribeOutcome:
    """Record a signup as unconfirmed with its consent proof and build the confirmation mail."""
    now = now or utcnow()
    settings = get_settings()
    address = normalise_email(email)
    lists = lists or {settings.signup_default_list}  # naming no list joins the default one
    _check_choice(language=language, lists=lists, name=name)
    key = email_hash(address, settings.secret_bytes)
    blocked = suppression_of(session, email_hash_=key)
    sub = session.exec(select(Subscriber).where(Subscriber.email == address)).first()
    if (blocked and blocked.reason not in SELF_LIFTABLE) or (
        sub and sub.status == SubscriberStatus.BLOCKLISTED
    ):
        return SubscribeOutcome(sub, None, "refused")
    if sub is not None and sub.status == SubscriberStatus.CONFIRMED:
        return SubscribeOutcome(sub, None, "already_confirmed")
    sub = _upsert_unconfirmed(session, sub, address=address, key=key, name=name, language=language)
    if topics is not None:
        sub.attributes = {**sub.attributes, "topics": sorted(topics)}
    if profile:
        sub.attributes = apply_profile(sub.attributes, profile)
    for slug in settings.mailing_lists:
        set_membership(session, subscriber=sub, list_slug=slug, active=slug in lists, now=now)
    assert sub.id is not None
    ledger.record(
        session,
        subscriber_id=sub.id,
        event=ConsentEventKind.SIGNUP,
        source=source,
        ip=ip,
        consent_text=ledger.consent_text(settings.consent_version, language),
        consent_version=settings.consent_version,
        doi_sent_at=now,
        template_version=ledger.DOI_TEMPLATE_VERSION,
        detail={
            "lists": sorted(lists),
            "topics": sorted(topics or ()),
            "profile": dict(sorted((profile or {}).items())),
            "privacy_notice_version": settings.privacy_notice_version,
        },
        occurred_at=now,
    )
    return SubscribeOutcome(sub, build_confirmation(sub, now=now), "invited")


def _check_choice(*, language: str, lists: set[str], name: str | None) -> None:
    """Language known, lists known and at least one, name without line breaks."""
    if language not in {lang.value for lang in Language}:
        raise InvalidInput(f"language: expected de or en, got {language!r}")
    known = get_settings().mailing_lists
    if unknown := lists - set(known):
        raise InvalidInput(f"lists: unknown list {sorted(unknown)[0]!r}")
    if not lists:
        raise InvalidInput("lists: choose at least one newsletter")
    if name and any(c in name for c in "\r\n\x00"):
        raise InvalidInput("name: must not contain line breaks")


def _upsert_unconfirmed(
    session: Session,
    sub: Subscriber | None,
    *,
    address: str,
    key: str,
    name: str | None,
    language: str,
) -> Subscriber:
    """Create the subscriber, or put a former one back to unconfirmed."""
    if sub is None:
        sub = Subscriber(email=address, email_hash=key, name=name, language=language)
        session.add(sub)
    # an existing record keeps its name and language until its owner confirms: anyone can
    # type an address into the form (issue 15, finding 14)
    sub.status = SubscriberStatus.UNCONFIRMED
    session.flush()
    return sub


def confirm(
    session: Session, *, token: str, ip: str | None = None, now: datetime | None = None
) -> tuple[Subscriber, bool]:
    """Confirm a signup; returns (subscriber, changed). A used link changes nothing."""
    now = now or utcnow()
    decoded = decode_confirm(token)
    if decoded is None:
        raise NotFound("this confirmation link is not valid")
    subscriber_id, issued_day = decoded
    sub = session.get(Subscriber, subscriber_id)
    if sub is None or issued_day > epoch_day(now) + 1:
        raise NotFound("this confirmation link is not valid")
    if sub.status == SubscriberStatus.CONFIRMED:
        return sub, False
    if sub.status != SubscriberStatus.UNCONFIRMED:
        raise NotFound("this confirmation link is no longer valid")
    if epoch_day(now) - issued_day > get_settings().doi_expiry_days:
        raise ConfirmationExpired("this confirmation link has expired; please subscribe again")
    signup = ledger.latest(session, subscriber_id=subscriber_id, event=ConsentEventKind.SIGNUP)
    sub.status, sub.confirmed_at, sub.unsubscribed_at = SubscriberStatus.CONFIRMED, now, None
    lift_by_consent(session, email_hash_=sub.email_hash)
    ledger.record(
        session,
        subscriber_id=subscriber_id,
        event=ConsentEventKind.CONFIRM,
        source="confirmation link",
        ip=ip,
        consent_text=signup.consent_text if signup else "",
        consent_version=signup.consent_version if signup else "",
        template_version=signup.template_version if signup else None,
        detail={"token_issued_day": issued_day},
        occurred_at=now,
    )
    emit(session, kind=EventKind.CONFIRMED, subscriber_id=subscriber_id, at=now)  # welcome series
    return sub, True


def purge_unconfirmed(
    session: Session, *, older_than_days: int | None = None, now: datetime | None = None
) -> int:
    """Delete never-confirmed subscribers whose last signup is older than the cutoff."""
    days = older_than_days or get_settings().purge_unconfirmed_days
    cutoff = (now or utcnow()) - timedelta(days=days)
    recent = sa.exists().where(
        col(ConsentEvent.subscriber_id) == col(Subscriber.id),
        col(ConsentEvent.occurred_at) >= cutoff,
    )
    # someone who once confirmed keeps their consent history, even when a stranger typed their
    # address into the form again and left it unconfirmed (issue 15, finding 14)
    ever_confirmed = sa.exists().where(
        col(ConsentEvent.subscriber_id) == col(Subscriber.id),
        col(ConsentEvent.event) == ConsentEventKind.CONFIRM,
    )
    stmt = select(Subscriber.id).where(
        Subscriber.status == SubscriberStatus.UNCONFIRMED,
        col(Subscriber.created_at) < cutoff,
        sa.not_(recent),
        sa.not_(ever_confirmed),
    )
    ids = list(session.exec(stmt))
    if not ids:
        return 0
    from service.audience.gdpr import delete_subscribers  # erasure machinery walks every FK

    with ledger_erasure(session):
        delete_subscribers(session, subscriber_ids=[i for i in ids if i is not None])
    return len(ids)
