"""Put an inquiry with a coordinator (or whoever answers for them) or in triage, and say so.

Everything that hands an inquiry to people goes through `assign`: first routing, one-click
assignment from triage, reassignment with a note, escalation to a deputy, the move to triage.
It follows absences, keeps the response clock in the assignee's calendar and builds the
hand-off mails (sent by the caller after its commit).
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage

from sqlmodel import Session, col, select

from service.domain.inquiry_states import InquiryAction, RoutingReason, next_state
from service.errors import InvalidInput
from service.inbox import sla, thread
from service.inbox.absence import answering_for
from service.inbox.handoff import build_handoff
from service.models import (
    Announcement,
    Coordinator,
    InboundMessage,
    Inquiry,
    Subscriber,
    TriageOwner,
)
from service.settings import get_settings


def triage_owners(session: Session, *, now: datetime) -> list[Coordinator]:
    """The people who own triage (table, plus the legacy setting), or who answer for them."""
    ids = [o.coordinator_id for o in session.exec(select(TriageOwner))]
    legacy = get_settings().triage_coordinator_id
    if legacy is not None and legacy not in ids:
        ids.append(legacy)
    answering = {answering_for(session, coordinator_id=i, now=now) for i in ids}
    named = (
        list(session.exec(select(Coordinator).where(col(Coordinator.id).in_(answering))))
        if answering
        else []
    )
    return named + _role_owners(session, {c.email.lower() for c in named})


def _role_owners(session: Session, known: set[str]) -> list[Coordinator]:
    """Users of the roles that own triage, as unsaved stand-ins (a name and an address)."""
    from service.models import User

    roles = get_settings().triage_owner_roles
    if not roles:
        return []
    users = session.exec(
        select(User).where(col(User.role).in_(roles), col(User.disabled).is_(False))
    )
    return [
        Coordinator(name=u.display_name, email=u.email)
        for u in users
        if u.email.lower() not in known
    ]


def assign(
    session: Session,
    *,
    inquiry: Inquiry,
    coordinator_id: int | None,
    reason: RoutingReason,
    now: datetime,
    by: str = "",
    note: str = "",
) -> list[EmailMessage]:
    """Give the inquiry to a coordinator (None: triage); returns the hand-offs to send."""
    assert inquiry.id is not None
    old_calendar = sla.calendar_of(session, inquiry)
    assignee = _assignee(session, coordinator_id, now)
    inquiry.coordinator_id = assignee.id if assignee else None
    inquiry.intended_coordinator_id = (
        coordinator_id if assignee is not None and assignee.id != coordinator_id else None
    )
    inquiry.routed_by = reason
    ann = session.get(Announcement, inquiry.announcement_id) if inquiry.announcement_id else None
    if inquiry.target_s == 0:
        inquiry.target_s = sla.target_seconds(assignee, ann)
    inquiry.state = next_state(inquiry.state, InquiryAction.FORWARD)
    new_calendar = sla.calendar_of(session, inquiry)
    sla.recalendar(inquiry, old_calendar, new_calendar, now)
    sla.follow_state(inquiry, new_calendar, now)
    recipients = [assignee] if assignee else triage_owners(session, now=now)
    mails = _handoffs(session, inquiry, recipients, ann)
    inquiry.forwarded_at, inquiry.version = now, inquiry.version + 1
    if mails:
        inquiry.handoff_message_id = str(mails[0]["Message-ID"])
    session.add(inquiry)
    thread.event(session, inquiry_id=inquiry.id, now=now, by=by,
                 text=_event_text(assignee, coordinator_id, reason, note))  # fmt: skip
    return mails


def handoffs_for(session: Session, *, inquiry_id: int, now: datetime) -> list[EmailMessage]:
    """Hand-offs to whoever holds the inquiry now (for entry points that send later)."""
    inquiry = session.get(Inquiry, inquiry_id)
    if inquiry is None:
        return []
    holder = session.get(Coordinator, inquiry.coordinator_id) if inquiry.coordinator_id else None
    ann = session.get(Announcement, inquiry.announcement_id) if inquiry.announcement_id else None
    mails = _handoffs(
        session, inquiry, [holder] if holder else triage_owners(session, now=now), ann
    )
    if mails:
        inquiry.handoff_message_id = str(mails[0]["Message-ID"])
        session.add(inquiry)
        session.flush()
    return mails


def _assignee(session: Session, coordinator_id: int | None, now: datetime) -> Coordinator | None:
    """The coordinator who answers now for `coordinator_id` (absences followed)."""
    if coordinator_id is None:
        return None
    if session.get(Coordinator, coordinator_id) is None:
        raise InvalidInput(f"coordinator {coordinator_id} does not exist")
    return session.get(Coordinator, answering_for(session, coordinator_id=coordinator_id, now=now))


def _handoffs(
    session: Session, inquiry: Inquiry, recipients: list[Coordinator], ann: Announcement | None
) -> list[EmailMessage]:
    """One hand-off per recipient, the subscriber's original attached."""
    subscriber = session.get(Subscriber, inquiry.subscriber_id) if inquiry.subscriber_id else None
    row = (
        session.get(InboundMessage, inquiry.inbound_message_id)
        if inquiry.inbound_message_id
        else None
    )
    raw = row.raw if row else inquiry.text.encode()
    return [
        build_handoff(
            inquiry=inquiry, coordinator=c, subscriber=subscriber, announcement=ann, raw=raw
        )
        for c in recipients
    ]


def _event_text(
    assignee: Coordinator | None, intended: int | None, reason: RoutingReason, note: str
) -> str:
    """What the thread says about this assignment."""
    if assignee is None:
        text = f"In triage ({reason})"
    else:
        text = f"Assigned to {assignee.name} ({reason})"
        if intended is not None and assignee.id != intended:
            text += f", substituting for coordinator {intended}"
    return f"{text}: {note}" if note else text
