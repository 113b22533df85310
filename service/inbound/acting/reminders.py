"""Remind coordinators of forwarded inquiries still unanswered after N days (once per N days)."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, make_msgid

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.inbox.absence import answering_for
from service.models import Coordinator, Inquiry
from service.models._common import as_utc, utcnow
from service.models.inquiry import InquiryState
from service.settings import get_settings


def due_reminders(session: Session, *, now: datetime | None = None) -> list[EmailMessage]:
    """Build one reminder per overdue inquiry and stamp reminded_at; caller commits, then sends."""
    now = now or utcnow()
    cutoff = now - timedelta(days=get_settings().inquiry_reminder_days)
    overdue = session.exec(
        select(Inquiry).where(
            Inquiry.state == InquiryState.FORWARDED,
            col(Inquiry.forwarded_at) <= cutoff,
            sa.or_(col(Inquiry.reminded_at).is_(None), col(Inquiry.reminded_at) <= cutoff),
        )
    ).all()
    mails: list[EmailMessage] = []
    for inquiry in overdue:
        coordinator = (  # during an absence the substitute gets the reminder
            session.get(
                Coordinator, answering_for(session, coordinator_id=inquiry.coordinator_id, now=now)
            )
            if inquiry.coordinator_id
            else None
        )
        if coordinator is None:
            continue
        mails.append(_reminder(inquiry, coordinator, now))
        inquiry.reminded_at = now
        session.add(inquiry)
    session.flush()
    return mails


def _reminder(inquiry: Inquiry, coordinator: Coordinator, now: datetime) -> EmailMessage:
    """A short nudge threaded under the original hand-off."""
    s = get_settings()
    days = (now - (as_utc(inquiry.forwarded_at) or now)).days
    msg = EmailMessage(policy=SMTP)
    msg["From"] = formataddr((s.from_name, s.from_address))
    msg["To"] = formataddr((" ".join(coordinator.name.split()), coordinator.email))
    msg["Subject"] = f"Reminder: Newsdesk inquiry #{inquiry.id} is waiting for an answer"
    msg["Message-ID"] = make_msgid(domain=s.message_id_domain)
    msg["Auto-Submitted"] = "auto-generated"
    if inquiry.handoff_message_id:
        msg["In-Reply-To"] = inquiry.handoff_message_id
        msg["References"] = inquiry.handoff_message_id
    msg.set_content(
        f"This question was forwarded to you {days} days ago:\n\n{inquiry.text}\n\n"
        "Please answer by replying to the original hand-off mail.\n"
    )
    return msg
