"""Subscriber imports started from the newsroom: the file, its progress and its outcome."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Field, SQLModel

from service.models._common import json_column, ts_column, utcnow


class ImportStatus(StrEnum):
    """mapping -> queued -> running -> done | failed (mapping: the columns wait for the user)."""

    MAPPING = "mapping"
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportJob(SQLModel, table=True):
    """One uploaded CSV/JSONL file imported by a worker; the report lists refused rows."""

    __tablename__ = "import_job"

    id: int | None = Field(default=None, primary_key=True)
    filename: str = Field(max_length=255)
    path: str = Field(max_length=1000)  # absolute: the worker may run elsewhere in the tree
    report_path: str = Field(max_length=1000)
    invite: bool = False
    # source column -> import field ('' ignores it): the newsroom wizard's step, the CLI's --map
    mapping: dict[str, Any] = Field(default_factory=dict, sa_column=json_column(nullable=False))
    # what the uploader stated for people who already consented (passed on when the import
    # service takes a lawful basis; until then kept with the job and shown on its page)
    consent_basis: str | None = Field(default=None, max_length=64)
    consent_source: str | None = Field(default=None, max_length=255)
    status: str = Field(default=ImportStatus.QUEUED, max_length=16)
    rows_done: int = 0
    bytes_done: int = 0
    bytes_total: int = 0
    result: dict[str, Any] = Field(default_factory=dict, sa_column=json_column(nullable=False))
    error: str | None = None
    created_by_id: int | None = Field(
        default=None, foreign_key="newsroom_user.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=ts_column())
