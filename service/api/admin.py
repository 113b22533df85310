"""Admin API: resources, campaign actions and previews for the comms team."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import select

from service.api import admin_subscribers
from service.api.admin_models import CoordinatorCreate, SegmentCreate, SubscriberCreate
from service.api.crud import crud_router
from service.api.deps import SessionDep, require_admin
from service.api.pages import AfterQuery, LimitQuery, keyset, page
from service.campaigns import authoring
from service.campaigns.queries import campaign_detail, shown_status
from service.content.coordinators import checked_fields
from service.domain.addresses import email_hash, normalise_email
from service.domain.campaign_states import CampaignAction
from service.domain.segment_rules import validate_rule
from service.errors import InvalidInput
from service.models import (
    AnnouncementSegment,
    Campaign,
    CampaignBase,
    Coordinator,
    Segment,
    Subscriber,
)
from service.models._common import table_of
from service.models.subscriber import Language
from service.settings import get_settings
from workers.publish import after_campaign_action


def _prepare_subscriber(_session: Any, data: dict[str, Any]) -> dict[str, Any]:
    # PATCH bodies skip SubscriberCreate's validators: check the language here too.
    if "language" in data and data["language"] not in {lang.value for lang in Language}:
        raise InvalidInput(f"language {data['language']!r} is not configured (de, en)")
    if "email" in data:
        data["email"] = normalise_email(data["email"])
        data["email_hash"] = email_hash(data["email"], get_settings().secret_bytes)
    return data


def _prepare_segment(_session: Any, data: dict[str, Any]) -> dict[str, Any]:
    if "rule" in data:
        validate_rule(data["rule"])
    return data


class CampaignIn(CampaignBase):
    """A campaign with its target and exclusion segments by slug."""

    segments: list[str]
    exclude_segments: list[str] = Field(default_factory=list)
    # The announcements the campaign carries; omitted or []: every approved, valid one.
    announcements: list[int] | None = None


class CampaignPatch(BaseModel):
    """Changes to a draft campaign."""

    name: str | None = None
    subject_en: str | None = None
    subject_de: str | None = None
    intro_en: str | None = None
    intro_de: str | None = None
    segments: list[str] | None = None
    exclude_segments: list[str] | None = None
    public_archive: bool | None = None
    announcements: list[int] | None = None
    version: int | None = None  # refuse the change when the campaign moved on since


class ScheduleIn(BaseModel):
    """When to send; omitted means now."""

    send_at: datetime | None = None
    version: int | None = None
    override_complaint_gate: str | None = Field(
        None,
        max_length=1000,
        description="an admin's reason to schedule although the complaint gate blocks (audited)",
    )


router = APIRouter(dependencies=[Depends(require_admin)])
router.include_router(admin_subscribers.router)
router.include_router(
    crud_router(
        table=Coordinator,
        create=CoordinatorCreate,
        prefix="/coordinators",
        prepare=lambda _session, data: checked_fields(data),
    )
)
router.include_router(
    crud_router(table=Segment, create=SegmentCreate, prefix="/segments", prepare=_prepare_segment)
)
router.include_router(
    crud_router(
        table=Subscriber,
        create=SubscriberCreate,
        prefix="/subscribers",
        prepare=_prepare_subscriber,
        creatable=False,  # POST /subscribers: admin_subscribers.py (lawful basis or DOI)
        # deliveries, consent ledger and suppression are history: erase, never delete
        delete_refusal="subscribers are not deleted: POST /api/audience/subscribers/{id}/erase "
        "(GDPR erasure keeps the suppression hash and the delivery history)",
    )
)


class CampaignListed(BaseModel):
    """A listed campaign: every field, plus the label lists show (its state, or
    "automation · welcome step" for a welcome step fed by enrolments)."""

    model_config = ConfigDict(extra="allow")
    id: int
    status: str
    label: str


@router.get("/campaigns", response_model=list[CampaignListed], tags=["campaigns"])
def list_campaigns(
    session: SessionDep, request: Request, response: Response,
    after: AfterQuery = None, limit: LimitQuery = 100,
) -> Any:  # fmt: skip
    """Campaigns, newest first; the next page's cursor is in X-Next-Cursor and Link."""
    query = keyset(select(Campaign), table_of(Campaign).c.id, after=after, limit=limit,
                   newest_first=True)  # fmt: skip
    rows = page(list(session.exec(query).all()), limit=limit, request=request, response=response)
    return [CampaignListed(**c.model_dump(), label=shown_status(c)) for c in rows]


@router.post("/campaigns", response_model=Campaign, status_code=201, tags=["campaigns"])
def create_campaign(body: CampaignIn, session: SessionDep) -> Any:
    """Create a draft; templates and segments are checked now."""
    fields = body.model_dump(exclude={"segments", "exclude_segments", "announcements"})
    return authoring.save_campaign(
        session,
        fields=fields,
        include=body.segments,
        exclude=body.exclude_segments,
        announcement_ids=body.announcements,
    )


@router.get("/campaigns/{campaign_id}", tags=["campaigns"])
def read_campaign(campaign_id: int, session: SessionDep) -> dict[str, Any]:
    """A campaign with its picked announcements (empty: every approved one) and delivery counts."""
    return campaign_detail(session, campaign_id=campaign_id)


@router.patch("/campaigns/{campaign_id}", response_model=Campaign, tags=["campaigns"])
def update_campaign(campaign_id: int, body: CampaignPatch, session: SessionDep) -> Any:
    """Edit a draft or scheduled campaign."""
    fields = body.model_dump(
        exclude_unset=True, exclude={"segments", "exclude_segments", "announcements", "version"}
    )
    return authoring.save_campaign(
        session,
        fields=fields,
        include=body.segments,
        exclude=body.exclude_segments,
        campaign_id=campaign_id,
        announcement_ids=body.announcements,
        version=body.version,
    )


@router.delete("/campaigns/{campaign_id}", status_code=204, tags=["campaigns"])
def delete_campaign(campaign_id: int, session: SessionDep) -> None:
    """Delete a campaign that never started sending."""
    authoring.delete_campaign(session, campaign_id=campaign_id)


@router.post("/campaigns/{campaign_id}/schedule", response_model=Campaign, tags=["campaigns"])
def schedule_campaign(campaign_id: int, body: ScheduleIn, session: SessionDep) -> Any:
    """Schedule for a time (UTC or with offset); beat starts it when due."""
    return authoring.schedule(
        session,
        campaign_id=campaign_id,
        send_at=body.send_at,
        version=body.version,
        override_gate=body.override_complaint_gate,
        actor="admin-api",
    )


def _action(action: CampaignAction) -> Any:
    def run(campaign_id: int, session: SessionDep) -> Any:
        campaign = authoring.act(
            session,
            campaign_id=campaign_id,
            action=action,
            actor_id=None,
            reason=f"{action.value} via API",
        )
        session.commit()  # publish only after the state change is durable
        after_campaign_action(campaign_id, action.value)
        return campaign

    run.__doc__ = f"{action.value.capitalize()} the campaign."
    return run


for _act in (CampaignAction.PAUSE, CampaignAction.RESUME, CampaignAction.CANCEL):
    router.add_api_route(
        f"/campaigns/{{campaign_id}}/{_act.value}",
        _action(_act),
        methods=["POST"],
        response_model=Campaign,
        tags=["campaigns"],
        name=f"{_act.value}_campaign",
    )


@router.get("/announcements/{announcement_id}/segments", tags=["announcements"])
def announcement_segments(announcement_id: int, session: SessionDep) -> list[int]:
    """Segment ids an announcement targets."""
    rows = session.exec(
        select(AnnouncementSegment).where(AnnouncementSegment.announcement_id == announcement_id)
    )
    return [r.segment_id for r in rows]
