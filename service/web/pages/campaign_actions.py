"""Campaign actions from the newsroom: schedule, pause, resume, cancel (each confirmed first),
and test sends. Every action goes through the campaign state machine in service.campaigns."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from service.campaigns.authoring import act
from service.campaigns.lifecycle import get_campaign
from service.campaigns.proofs import send_proofs
from service.campaigns.recipient_counts import recipient_counts
from service.campaigns.scheduling import schedule_in_zone
from service.domain.campaign_states import CampaignAction, next_status
from service.errors import InvalidTransition, NewsdeskError, NotFound, StaleWrite
from service.models import User
from service.web.content_forms import PostedForm, form_state
from service.web.deps import CurrentLogin, DbSession, require
from service.web.forms import FormState
from service.web.pages.campaigns import campaign_page
from service.web.templating import PREFIX, render, request_language
from workers.publish import after_campaign_action

router = APIRouter()
Scheduler = Annotated[User, Depends(require("campaign.schedule"))]
Tester = Annotated[User, Depends(require("campaign.test_send"))]
ACTIONS = {a.value: a for a in (CampaignAction.PAUSE, CampaignAction.RESUME, CampaignAction.CANCEL)}
ACTIONS["schedule"] = CampaignAction.SCHEDULE


def _action(name: str) -> CampaignAction:
    if name not in ACTIONS:
        raise NotFound(f"no campaign action {name!r}")
    return ACTIONS[name]


def _dry_run(db: Session, *, campaign_id: int, local_time: str, zone: str, actor_id: int) -> str:
    """Why scheduling would be refused (lint, broken template, picks, complaints), or ''."""
    try:
        schedule_in_zone(
            db,
            campaign_id=campaign_id,
            local_time=local_time,
            zone=zone,
            actor_id=actor_id,
            version=None,
        )
        return ""
    except NewsdeskError as exc:
        return str(exc)
    finally:
        db.rollback()


@router.get("/campaigns/{campaign_id:int}/confirm/{name}", response_class=HTMLResponse)
def confirm(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    _u: Scheduler,
    campaign_id: int,
    name: str,
    send_at: str = "",
    timezone: str = "Europe/Berlin",
) -> HTMLResponse:
    """Ask before acting; for scheduling, show who gets it and what would block it."""
    action = _action(name)
    campaign = get_campaign(db, campaign_id=campaign_id)
    try:
        next_status(campaign.status, action)
        blocked = ""
    except InvalidTransition as exc:
        blocked = str(exc)
    counts = None
    if action is CampaignAction.SCHEDULE and not blocked:
        counts = recipient_counts(db, campaign_id=campaign_id)
        assert login.user.id is not None
        blocked = _dry_run(
            db, campaign_id=campaign_id, local_time=send_at, zone=timezone, actor_id=login.user.id
        )
        campaign = get_campaign(db, campaign_id=campaign_id)
    return render(
        request,
        "campaigns/confirm.html",
        login=login,
        campaign=campaign,
        action=name,
        send_at=send_at,
        timezone=timezone,
        counts=counts,
        blocked=blocked,
    )


def _version(posted: PostedForm) -> int | None:
    raw = posted.get("version")
    return int(raw) if raw.isdigit() else None


@router.post("/campaigns/{campaign_id:int}/test-send", response_class=HTMLResponse)
def test_send(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    _u: Tester,
    posted: PostedForm,
    campaign_id: int,
) -> HTMLResponse:
    """Send the chosen segment's edition, marked [TEST], to a few addresses."""
    addresses = [
        a.strip() for a in posted.get("addresses").replace(",", "\n").splitlines() if a.strip()
    ]
    language = posted.get("language") if posted.get("language") in ("de", "en") else "de"
    campaign = get_campaign(db, campaign_id=campaign_id)
    try:
        results = send_proofs(
            db,
            campaign_id=campaign_id,
            addresses=addresses,
            segment_slug=posted.get("segment") or None,
            language=language,
        )
    except NewsdeskError as exc:
        state = form_state(request_language(request, login), exc, posted.values)
        state.errors["addresses"] = state.errors.pop("_page", "")
        return campaign_page(request, db, login, campaign, form=state, status=422, test_form=state)
    return campaign_page(
        request, db, login, campaign, proofs=results, test_form=FormState(values=posted.values)
    )


@router.post("/campaigns/{campaign_id:int}/{name}")
def run_action(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    _u: Scheduler,
    posted: PostedForm,
    campaign_id: int,
    name: str,
) -> Response:
    """Schedule, pause, resume or cancel (the confirmation page posts here)."""
    action = _action(name)
    try:
        if action is CampaignAction.SCHEDULE:
            schedule_in_zone(
                db,
                campaign_id=campaign_id,
                local_time=posted.get("send_at"),
                zone=posted.get("timezone") or "Europe/Berlin",
                actor_id=login.user.id,
                version=_version(posted),
            )
        else:
            act(
                db,
                campaign_id=campaign_id,
                action=action,
                actor_id=login.user.id,
                version=_version(posted),
                reason=f"{name} by {login.user.display_name}",
            )
    except NewsdeskError as exc:
        db.rollback()
        state = form_state(request_language(request, login), exc, posted.values)
        status = 409 if isinstance(exc, (StaleWrite, InvalidTransition)) else 422
        return campaign_page(
            request, db, login, get_campaign(db, campaign_id=campaign_id), form=state, status=status
        )
    db.commit()  # publish only after the state change is durable
    after_campaign_action(campaign_id, action.value)
    return RedirectResponse(f"{PREFIX}/campaigns/{campaign_id}?done={name}", status_code=303)
