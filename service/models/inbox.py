"""The coordinators' inbox: the thread of an inquiry, canned answers, absences, triage owners."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.models._common import ts_column, utcnow


class MessageKind(StrEnum):
    """What a thread entry is."""

    INBOUND = "inbound"  # from the subscriber
    ANSWER = "answer"  # from us to the subscriber
    NOTE = "note"  # internal, never mailed
    EVENT = "event"  # assigned, reassigned, escalated, closed, reopened (with the note given)


class MessageState(StrEnum):
    """Where an answer stands; inbound mail, notes and events are simply `recorded`."""

    RECORDED = "recorded"
    QUEUED = "queued"  # committed, to be handed to the outbox
    SENT = "sent"
    HELD = "held"  # a collision: someone else answered first; the author must confirm
    DISCARDED = "discarded"  # a held answer its author dropped
    # an e-mailed answer that could not be authenticated (issue 15, finding 9): the coordinator
    # or an admin sends it from the inbox or discards it
    UNVERIFIED = "unverified"


class InquiryMessage(SQLModel, table=True):
    """One entry in an inquiry's thread."""

    id: int | None = Field(default=None, primary_key=True)
    inquiry_id: int = Field(foreign_key="inquiry.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)
    state: str = Field(default=MessageState.RECORDED, max_length=16)
    channel: str = Field(default="web", max_length=8)  # web | email
    author_coordinator_id: int | None = Field(default=None, foreign_key="coordinator.id")
    author_user_id: int | None = None  # a newsroom user (the web app's users table)
    author_label: str = Field(default="", max_length=320)
    subject: str = Field(default="", max_length=500)
    body: str = ""
    language: str = Field(default="en", max_length=2)
    message_id: str = Field(default="", max_length=500, index=True)
    inbound_message_id: int | None = Field(default=None, foreign_key="inboundmessage.id")
    hold_reason: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=ts_column())


class CannedAnswer(SQLModel, table=True):
    """A reusable answer in one language, with {{ variables }}; managed by admins."""

    __table_args__ = (sa.UniqueConstraint("name", "language", name="uq_canned_name_language"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    language: str = Field(max_length=2)
    body: str
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class CoordinatorAbsence(SQLModel, table=True):
    """A window in which a substitute answers for the coordinator."""

    id: int | None = Field(default=None, primary_key=True)
    coordinator_id: int = Field(foreign_key="coordinator.id", index=True)
    substitute_id: int = Field(foreign_key="coordinator.id")
    starts_at: datetime = Field(sa_column=ts_column(nullable=False))
    ends_at: datetime = Field(sa_column=ts_column(nullable=False))
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class TriageOwner(SQLModel, table=True):
    """A named person (a coordinator row, for their address and calendar) who owns triage."""

    coordinator_id: int = Field(foreign_key="coordinator.id", primary_key=True)
    added_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
