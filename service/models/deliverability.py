"""Deliverability upkeep: sunset re-permission requests (F6) and DMARC aggregate reports."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.models._common import ts_column, utcnow


class SunsetOutcome(StrEnum):
    """Where a re-permission request stands."""

    ASKED = "asked"  # the mail went out; waiting for an answer or engagement
    KEPT = "kept"  # they clicked "keep me subscribed" or engaged again
    SUNSET = "sunset"  # no answer within the grace period: no more campaigns


class SunsetRequest(SQLModel, table=True):
    """The latest re-permission request to one subscriber (one row each, rewritten on re-ask)."""

    __tablename__ = "sunset_request"
    __table_args__ = (sa.Index("ix_sunset_request_outcome_asked", "outcome", "asked_at"),)

    subscriber_id: int = Field(foreign_key="subscriber.id", primary_key=True, ondelete="CASCADE")
    outcome: SunsetOutcome = Field(default=SunsetOutcome.ASKED, sa_type=sa.String(8))
    asked_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    inactive_since: datetime | None = Field(default=None, sa_column=ts_column())
    unanswered_campaigns: int = 0
    message_id: str = Field(default="", max_length=200)
    resolved_at: datetime | None = Field(default=None, sa_column=ts_column())


class DmarcReport(SQLModel, table=True):
    """One DMARC aggregate (rua) report as received; a redelivered report is stored once."""

    __tablename__ = "dmarc_report"
    __table_args__ = (sa.UniqueConstraint("org_name", "report_id", name="uq_dmarc_report_org_id"),)

    id: int | None = Field(default=None, primary_key=True)
    org_name: str = Field(max_length=200)
    report_id: str = Field(max_length=200)
    email: str = Field(default="", max_length=320)  # the reporter's contact address
    domain: str = Field(max_length=253)  # policy_published/domain
    policy: str = Field(default="", max_length=16)  # p=
    date_begin: datetime = Field(sa_column=ts_column(nullable=False))
    date_end: datetime = Field(sa_column=ts_column(nullable=False))
    inbound_message_id: int | None = None  # the stored mail it came in (no FK: raw mail expires)
    received_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class DmarcRecord(SQLModel, table=True):
    """One <record>: messages from one source IP with one evaluation result."""

    __tablename__ = "dmarc_record"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="dmarc_report.id", index=True, ondelete="CASCADE")
    source_ip: str = Field(max_length=45)
    count: int = 0
    disposition: str = Field(default="none", max_length=16)
    dkim: str = Field(default="", max_length=8)  # policy_evaluated: pass / fail (aligned)
    spf: str = Field(default="", max_length=8)
    header_from: str = Field(default="", max_length=253)
    dkim_domain: str = Field(default="", max_length=253)  # auth_results, first signature
    dkim_result: str = Field(default="", max_length=16)
    spf_domain: str = Field(default="", max_length=253)
    spf_result: str = Field(default="", max_length=16)
