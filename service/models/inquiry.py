"""Inquiries: subscriber replies routed to a coordinator; and the acknowledgement log (C3)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.models._common import json_column, ts_column, utcnow


class InquiryState(StrEnum):
    """Lifecycle of a subscriber's question (transitions: service/domain/inquiry_states.py)."""

    NEW = "new"
    FORWARDED = "forwarded"  # open: with a coordinator or in triage, waiting for our answer
    WAITING = "waiting"  # we asked the subscriber something; the response clock is stopped
    ANSWERED = "answered"
    CLOSED = "closed"


class RoutingReason(StrEnum):
    """How the router placed an inquiry (shown in the inbox)."""

    REPLY_TOKEN = "reply_token"  # the reply+ address named the announcement
    QUOTED_SECTION = "quoted_section"  # the quote named exactly one announcement
    NAMED_ANNOUNCEMENT = "named_announcement"  # the subscriber's own words named it
    TOPIC_RULE = "topic_rule"
    TRIAGE = "triage"  # no rule could place it
    THREAD = "thread"  # a follow-up in an existing thread
    ASSIGNED = "assigned"  # a person assigned or reassigned it


class Inquiry(SQLModel, table=True):
    """A question about an announcement or edition, and where it stands."""

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int | None = Field(default=None, foreign_key="subscriber.id", index=True)
    campaign_id: int | None = Field(default=None, index=True)
    announcement_id: int | None = Field(default=None, foreign_key="announcement.id")
    coordinator_id: int | None = Field(default=None, foreign_key="coordinator.id", index=True)
    state: InquiryState = Field(default=InquiryState.NEW, sa_type=sa.String(16), index=True)
    text: str = ""
    language: str = Field(default="en", max_length=2)
    subject: str = Field(default="", max_length=500)
    subscriber_message_id: str = Field(default="", max_length=500)
    handoff_message_id: str = Field(default="", max_length=500)
    inbound_message_id: int | None = Field(default=None, foreign_key="inboundmessage.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    forwarded_at: datetime | None = Field(default=None, sa_column=ts_column())
    answered_at: datetime | None = Field(default=None, sa_column=ts_column())
    reminded_at: datetime | None = Field(default=None, sa_column=ts_column())
    # How the router placed it, which announcements it proposes (ids, likeliest first), and for
    # whom it was meant when an absence sent it to a substitute.
    routed_by: str = Field(default=RoutingReason.TRIAGE, max_length=24)
    proposals: list[int] = Field(default_factory=list, sa_column=json_column(nullable=False))
    intended_coordinator_id: int | None = Field(default=None, foreign_key="coordinator.id")
    # The response clock, in business seconds of the assignee's office calendar: `clock_used_s`
    # were spent before `clock_started_at`; a stopped clock (waiting, answered) has no start.
    target_s: int = 0
    clock_used_s: float = 0.0
    clock_started_at: datetime | None = Field(default=None, sa_column=ts_column())
    due_at: datetime | None = Field(default=None, sa_column=ts_column(index=True))
    first_answered_at: datetime | None = Field(default=None, sa_column=ts_column())
    first_answer_s: float | None = None  # business seconds the first answer took (figures)
    warned_at: datetime | None = Field(default=None, sa_column=ts_column())
    escalated_at: datetime | None = Field(default=None, sa_column=ts_column())
    escalated_to_id: int | None = Field(default=None, foreign_key="coordinator.id")
    triaged_at: datetime | None = Field(default=None, sa_column=ts_column())
    version: int = 1  # bumped by every change a form or an answer must not overwrite unseen


class AckLog(SQLModel, table=True):
    """When we last acknowledged a sender: at most one acknowledgement per sender per 7 days."""

    email_hash: str = Field(max_length=64, primary_key=True)
    sent_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
