"""What the inbox pages show: a coordinator's inbox, the triage queue, one thread."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from service.domain.inquiry_states import OPEN_STATES
from service.errors import NotFound
from service.inbox import sla, thread
from service.models import (
    Announcement,
    Campaign,
    Coordinator,
    InboundMessage,
    Inquiry,
    InquiryMessage,
    Subscriber,
)
from service.models._common import as_utc

RECENT_CLOSED = 20  # answered/closed inquiries shown under the open ones


@dataclass(frozen=True)
class InboxLine:
    """One row of an inbox or the triage queue."""

    id: int
    subject: str
    subscriber: str
    language: str
    announcement: str
    campaign: str
    routed_by: str
    state: str
    created_at: datetime
    due_at: datetime | None
    left_s: float | None  # business seconds to the target; negative when overdue
    coordinator: str
    proposals: list[tuple[int, str]] = field(default_factory=list)  # (announcement id, title)


def _title(ann: Announcement | None, language: str) -> str:
    """The announcement's title in the inquiry's language."""
    if ann is None:
        return ""
    return (ann.title_de if language == "de" and ann.title_de else ann.title_en) or ann.slug


def _line(session: Session, inquiry: Inquiry, now: datetime) -> InboxLine:
    """Resolve names and the time left for one inquiry."""
    assert inquiry.id is not None
    sub = session.get(Subscriber, inquiry.subscriber_id) if inquiry.subscriber_id else None
    ann = session.get(Announcement, inquiry.announcement_id) if inquiry.announcement_id else None
    camp = session.get(Campaign, inquiry.campaign_id) if inquiry.campaign_id else None
    who = session.get(Coordinator, inquiry.coordinator_id) if inquiry.coordinator_id else None
    proposed = [session.get(Announcement, i) for i in inquiry.proposals]
    return InboxLine(
        id=inquiry.id, subject=inquiry.subject or "(no subject)",
        subscriber=(sub.name or sub.email) if sub else "unknown sender",
        language=inquiry.language, announcement=_title(ann, inquiry.language),
        campaign=camp.name if camp else "", routed_by=inquiry.routed_by, state=inquiry.state,
        created_at=inquiry.created_at, due_at=as_utc(inquiry.due_at),
        left_s=sla.time_left(inquiry, sla.calendar_of(session, inquiry), now),
        coordinator=who.name if who else "triage",
        proposals=[(a.id, _title(a, inquiry.language)) for a in proposed if a and a.id],
    )  # fmt: skip


def _due_order(rows: list[Inquiry]) -> list[Inquiry]:
    """Oldest due first; stopped clocks (waiting) after, oldest first."""
    far = datetime.max.replace(tzinfo=None)
    return sorted(
        rows,
        key=lambda r: (
            (as_utc(r.due_at) or far).replace(tzinfo=None),
            r.created_at.replace(tzinfo=None),
        ),
    )


def inbox_for(session: Session, *, coordinator_id: int, now: datetime) -> list[InboxLine]:
    """A coordinator's own open inquiries (oldest due first), then recent answered/closed."""
    mine = list(session.exec(select(Inquiry).where(Inquiry.coordinator_id == coordinator_id)))
    open_rows = _due_order([r for r in mine if r.state in OPEN_STATES])
    done = sorted((r for r in mine if r.state not in OPEN_STATES), key=lambda r: -(r.id or 0))
    return [_line(session, r, now) for r in [*open_rows, *done[:RECENT_CLOSED]]]


def triage_queue(session: Session, *, now: datetime) -> list[InboxLine]:
    """Open inquiries nobody holds, oldest due first, with the router's proposals."""
    rows = session.exec(
        select(Inquiry).where(
            col(Inquiry.coordinator_id).is_(None), col(Inquiry.state).in_(list(OPEN_STATES))
        )
    ).all()
    return [_line(session, r, now) for r in _due_order(list(rows))]


def may_open(inquiry: Inquiry, *, coordinator_id: int | None) -> bool:
    """A coordinator opens only the inquiries routed to them (others: the server refuses)."""
    return coordinator_id is not None and inquiry.coordinator_id == coordinator_id


@dataclass
class ThreadView:
    """Everything the thread page shows."""

    inquiry: Inquiry
    line: InboxLine
    subscriber: Subscriber | None
    announcement: Announcement | None
    coordinator: Coordinator | None
    entries: list[InquiryMessage]
    earlier: list[tuple[Inquiry, list[InquiryMessage]]]  # this subscriber's other threads
    latest_entry_id: int
    has_original: bool


def thread_view(session: Session, *, inquiry_id: int, now: datetime) -> ThreadView:
    """The thread with its context; NotFound for an unknown id."""
    inquiry = session.get(Inquiry, inquiry_id)
    if inquiry is None:
        raise NotFound(f"inquiry {inquiry_id} does not exist")
    sub = session.get(Subscriber, inquiry.subscriber_id) if inquiry.subscriber_id else None
    others: list[Inquiry] = []
    if sub is not None:
        others = list(session.exec(
            select(Inquiry)
            .where(Inquiry.subscriber_id == sub.id, Inquiry.id != inquiry_id)
            .order_by(col(Inquiry.id).desc()).limit(10)
        ))  # fmt: skip
    return ThreadView(
        inquiry=inquiry, line=_line(session, inquiry, now), subscriber=sub,
        announcement=session.get(Announcement, inquiry.announcement_id)
        if inquiry.announcement_id else None,
        coordinator=session.get(Coordinator, inquiry.coordinator_id)
        if inquiry.coordinator_id else None,
        entries=thread.entries(session, inquiry_id=inquiry_id),
        earlier=[(o, thread.entries(session, inquiry_id=o.id or 0)) for o in others],
        latest_entry_id=thread.latest_id(session, inquiry_id=inquiry_id),
        has_original=inquiry.inbound_message_id is not None,
    )  # fmt: skip


def original_raw(session: Session, *, inquiry_id: int) -> bytes:
    """The stored bytes of the subscriber's first message."""
    inquiry = session.get(Inquiry, inquiry_id)
    row = (
        session.get(InboundMessage, inquiry.inbound_message_id)
        if inquiry and inquiry.inbound_message_id
        else None
    )
    if row is None:
        raise NotFound(f"inquiry {inquiry_id} has no stored original")
    return row.raw


def canned_values(view: ThreadView) -> dict[str, str]:
    """The variables a canned answer may use, for this thread."""
    return {
        "subscriber_name": (view.subscriber.name or "") if view.subscriber else "",
        "announcement_title": _title(view.announcement, view.inquiry.language),
        "coordinator_name": view.coordinator.name if view.coordinator else "",
    }
