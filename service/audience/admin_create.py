"""Subscribers created by the comms team (admin API): confirmed only with a stated lawful basis.

Without a lawful basis and a source the person starts unconfirmed and is sent the double opt-in
request, exactly as a signup through the form (STANDARDS D1). With them, the subscriber is
confirmed at once and the basis, source, lists and tracking consent go into the consent ledger
as a `confirm` event, so the proof exists before the first campaign (D2).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from service.audience import ledger
from service.audience.subscribe import SubscribeOutcome, subscribe
from service.audience.suppression import suppression_of
from service.audience.withdrawal import set_membership
from service.domain.addresses import email_hash, normalise_email
from service.errors import InvalidInput
from service.models._common import utcnow
from service.models.consent import ConsentEventKind
from service.models.subscriber import Language, Subscriber, SubscriberStatus
from service.settings import get_settings

# GDPR Art. 6(1): e-mail advertising rests on consent (a) or, for existing customers
# (§7(3) UWG), legitimate interests (f); contract (b) covers mail a contract requires.
LAWFUL_BASES = ("consent", "contract", "legitimate_interests")


class AlreadySubscribed(InvalidInput):
    """The address is a subscriber already (the API answers 409)."""


@dataclass(frozen=True)
class NewSubscriber:
    """What the admin asked for."""

    email: str
    name: str | None = None
    language: str = "en"
    attributes: dict[str, Any] | None = None
    lists: set[str] | None = None
    confirmed: bool = False
    tracking_consent: bool = False
    lawful_basis: str | None = None
    source: str | None = None


def create_subscriber(
    session: Session, *, new: NewSubscriber, actor: str, now: datetime | None = None
) -> SubscribeOutcome:
    """Confirmed with a lawful basis and source (ledger `confirm`), else unconfirmed + DOI mail."""
    now = now or utcnow()
    settings = get_settings()
    address = normalise_email(new.email)
    if session.exec(select(Subscriber.id).where(Subscriber.email == address)).first():
        raise AlreadySubscribed(f"email: {address} is a subscriber already")
    new = _check_basis(new)
    if not new.confirmed:
        outcome = subscribe(
            session, email=address, source=(new.source or f"admin api: {actor}").strip(),
            name=new.name, language=new.language, lists=new.lists, now=now,
        )  # fmt: skip
        if outcome.subscriber is not None and new.attributes:
            outcome.subscriber.attributes = {**new.attributes, **outcome.subscriber.attributes}
        return outcome
    lists = new.lists or {settings.signup_default_list}
    if unknown := lists - set(settings.mailing_lists):
        raise InvalidInput(f"lists: unknown list {sorted(unknown)[0]!r}")
    if new.language not in {lang.value for lang in Language}:
        raise InvalidInput(f"language: expected de or en, got {new.language!r}")
    key = email_hash(address, settings.secret_bytes)
    if suppression_of(session, email_hash_=key) is not None:
        raise InvalidInput("email: the address is on the suppression list; it cannot be added")
    sub = Subscriber(
        email=address, email_hash=key, name=new.name, language=new.language,
        attributes=dict(new.attributes or {}), tracking_consent=new.tracking_consent,
        status=SubscriberStatus.CONFIRMED, confirmed_at=now,
    )  # fmt: skip
    session.add(sub)
    session.flush()
    for slug in sorted(lists):
        set_membership(session, subscriber=sub, list_slug=slug, active=True, now=now)
    assert sub.id is not None
    ledger.record(
        session,
        subscriber_id=sub.id,
        event=ConsentEventKind.CONFIRM,
        source=str(new.source).strip(),
        detail={
            "lawful_basis": new.lawful_basis,
            "lists": sorted(lists),
            "tracking_consent": new.tracking_consent,
            "recorded_by": actor,
            "privacy_notice_version": settings.privacy_notice_version,
        },
        occurred_at=now,
    )
    return SubscribeOutcome(sub, None, "confirmed")


def _check_basis(new: NewSubscriber) -> NewSubscriber:
    """Confirmed or tracked needs a lawful basis and a source; without both: unconfirmed, DOI.

    A basis we do not know is refused; tracking rests on consent alone (§25 TDDDG).
    """
    if new.lawful_basis is not None and new.lawful_basis not in LAWFUL_BASES:
        raise InvalidInput(
            f"lawful_basis: expected one of {', '.join(LAWFUL_BASES)}, got {new.lawful_basis!r}"
        )
    if new.lawful_basis is None or not (new.source or "").strip():
        return replace(new, confirmed=False, tracking_consent=False)  # the person confirms
    if new.tracking_consent and new.lawful_basis != "consent":
        raise InvalidInput("tracking_consent needs lawful_basis consent (§25 TDDDG)")
    return replace(new, confirmed=new.confirmed or new.tracking_consent)
