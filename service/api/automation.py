"""Automation API: digest schedules (with next run and last runs) and partner feeds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from service.api.deps import SessionDep, require_admin
from service.automation import admin, views
from service.automation.feeds import add_feed
from service.models._common import utcnow

router = APIRouter(tags=["automation"], dependencies=[Depends(require_admin)])


class DigestIn(BaseModel):
    """A digest schedule as the API takes it."""

    name: str
    segment_slugs: list[str] = Field(min_length=1)
    cadence: str = "weekly"
    weekday: int = 0
    day_of_month: int = 1
    hour: int = 8
    timezone: str = "Europe/Berlin"
    list_slug: str = "newsletter"
    subject_en: str = "Partnership digest, {date}"
    subject_de: str = "Partnerschafts-Digest, {date}"
    needs_approval: bool = False


class FeedIn(BaseModel):
    """A partner feed to register."""

    name: str
    url: str
    language: str | None = None
    topic: str = "general"


def _digest(row: views.DigestRow) -> dict[str, Any]:
    return {
        **row.schedule.model_dump(mode="json"),
        "next_run": row.next_run.isoformat(),
        "runs": [r.model_dump(mode="json") for r in row.runs],
    }


@router.get("/digests")
def list_digests(session: SessionDep, now: datetime | None = None) -> list[dict[str, Any]]:
    """Every digest schedule with its next run and last runs."""
    return [_digest(r) for r in views.digest_rows(session, now=now or utcnow())]


@router.post("/digests", status_code=201)
def create_digest(body: DigestIn, session: SessionDep) -> dict[str, Any]:
    """Create a digest schedule (checked like the newsroom form)."""
    row = admin.save_schedule(session, fields=body.model_dump())
    return row.model_dump(mode="json")


@router.get("/feeds")
def list_feeds(session: SessionDep) -> list[dict[str, Any]]:
    """Every partner feed with its last fetch, status and error."""
    return [
        f.model_dump(mode="json", exclude={"etag", "last_modified"}) for f in views.feeds(session)
    ]


@router.post("/feeds", status_code=201)
def create_feed(body: FeedIn, session: SessionDep) -> dict[str, Any]:
    """Register a partner feed."""
    feed = add_feed(session, name=body.name, url=body.url, language=body.language, topic=body.topic)
    return feed.model_dump(mode="json")
