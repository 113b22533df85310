"""Campaigns: list, create and edit with live recipient counts, edition matrix, progress."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session, col, select

from service.accounts.errors import N_
from service.audit import trail
from service.campaigns.authoring import save_campaign
from service.campaigns.campaign_form import ZONES, parse_campaign_form
from service.campaigns.edition_matrix import edition_preview_html
from service.campaigns.edition_subjects import matrix_subjects
from service.campaigns.lifecycle import get_campaign
from service.campaigns.linting import target_segment_slugs
from service.campaigns.picks import picked_ids
from service.campaigns.queries import is_welcome_step
from service.campaigns.recipient_counts import delivery_counts, recipient_counts
from service.errors import NewsdeskError
from service.models import Announcement, Campaign, CampaignSegment, Segment, User
from service.models.campaign import CampaignStatus
from service.reports.dashboard import running_one
from service.settings import get_settings
from service.web.content_forms import PostedForm, explain, save_or_redisplay
from service.web.deps import CurrentLogin, DbSession, require
from service.web.forms import FormState
from service.web.templating import AUDIT_LABELS, PREFIX, register_nav, render, request_language

router = APIRouter()
register_nav("/campaigns", N_("Campaigns"), "campaign.read")
AUDIT_LABELS.update(
    {
        "campaign.create": N_("Campaign created"),
        "campaign.edit": N_("Campaign edited"),
        "campaign.schedule": N_("Scheduled"),
        "campaign.pause": N_("Paused"),
        "campaign.resume": N_("Resumed"),
        "campaign.cancel": N_("Cancelled"),
        "campaign.unschedule": N_("Unscheduled"),
    }
)
Reader = Annotated[User, Depends(require("campaign.read"))]
Writer = Annotated[User, Depends(require("campaign.write"))]
EDITABLE = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)
FINAL = (CampaignStatus.SENT, CampaignStatus.CANCELLED)


def choices(db: Session) -> dict[str, Any]:
    """Segments, announcements and zones a campaign form offers."""
    announcements = db.exec(
        select(Announcement).order_by(col(Announcement.priority), col(Announcement.id))
    )
    segments = db.exec(select(Segment).order_by(col(Segment.slug)))
    return {
        "segment_options": [(s.slug, s.name) for s in segments],
        "announcements": list(announcements),
        "zones": ZONES,
        "list_options": list(get_settings().mailing_lists.items()),
    }


def _values(db: Session, campaign: Campaign | None) -> tuple[dict[str, str], dict[str, list[str]]]:
    if campaign is None or campaign.id is None:
        return {"timezone": "Europe/Berlin", "list_slug": get_settings().signup_default_list}, {
            "segments": [],
            "exclude_segments": [],
            "announcements": [],
        }
    values = {k: "" if v is None else str(v) for k, v in campaign.model_dump().items()}
    rows = db.exec(
        select(CampaignSegment, Segment.slug)
        .join(Segment, col(Segment.id) == col(CampaignSegment.segment_id))
        .where(CampaignSegment.campaign_id == campaign.id)
    ).all()
    chosen = {
        "segments": [slug for link, slug in rows if not link.exclude],
        "exclude_segments": [slug for link, slug in rows if link.exclude],
        "announcements": [str(i) for i in picked_ids(db, campaign_id=campaign.id)],
    }
    return values, chosen


def campaign_page(
    request: Request,
    db: Session,
    login: CurrentLogin,
    campaign: Campaign | None,
    *,
    form: FormState | None = None,
    chosen: dict[str, list[str]] | None = None,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    """The campaign page (or the new-campaign form) with whatever the caller adds."""
    values, saved_choice = _values(db, campaign)
    context: dict[str, Any] = {"campaign": campaign, **extra}
    if campaign is not None and campaign.id is not None:
        context["trail"] = trail(db, object_type="campaign", object_id=campaign.id)
        context["progress"] = running_one(db, campaign=campaign)
        context["targets"] = target_segment_slugs(db, campaign_id=campaign.id)
        context.update(_matrix(db, campaign))
    return render(
        request,
        "campaigns/page.html",
        login=login,
        status=status,
        form=form or FormState(values=values),
        chosen=chosen or saved_choice,
        notice=request.query_params.get("done", ""),
        editable=campaign is None or campaign.status in EDITABLE,
        **context,
        **choices(db),
    )


def _matrix(db: Session, campaign: Campaign) -> dict[str, Any]:
    """The edition matrix with each edition's subject, rendered into the page (works without JS)."""
    assert campaign.id is not None
    started = campaign.started_at is not None
    try:
        counts = (delivery_counts if started else recipient_counts)(db, campaign_id=campaign.id)
        rows = matrix_subjects(db, campaign_id=campaign.id, counts=counts)
    except NewsdeskError:
        return {}  # the htmx refresh shows the reason
    return {
        "counts": counts,
        "subjects": {row.key: row for row in rows},
        "subject_inputs": campaign.status in EDITABLE,
        "problem": "",
        "campaign_id": str(campaign.id),
    }


@router.get("/campaigns", response_class=HTMLResponse)
def campaign_list(request: Request, db: DbSession, login: CurrentLogin, _u: Reader) -> HTMLResponse:
    """All campaigns, newest first."""
    rows = list(db.exec(select(Campaign).order_by(col(Campaign.id).desc()).limit(200)))
    steps = {c.id for c in rows if is_welcome_step(c)}  # automations, not running sends
    return render(request, "campaigns/list.html", login=login, rows=rows, welcome_steps=steps)


@router.get("/campaigns/new", response_class=HTMLResponse)
def new_campaign(request: Request, db: DbSession, login: CurrentLogin, _u: Writer) -> HTMLResponse:
    """The empty campaign form."""
    return campaign_page(request, db, login, None)


@router.get("/campaigns/{campaign_id:int}", response_class=HTMLResponse)
def show_campaign(
    request: Request, db: DbSession, login: CurrentLogin, _u: Reader, campaign_id: int
) -> HTMLResponse:
    """One campaign."""
    return campaign_page(request, db, login, get_campaign(db, campaign_id=campaign_id))


def _chosen(posted: PostedForm) -> dict[str, list[str]]:
    return {k: posted.all(k) for k in ("segments", "exclude_segments", "announcements")}


def _apply(
    db: Session, posted: PostedForm, campaign_id: int | None, actor_id: int | None
) -> Campaign:
    parsed = parse_campaign_form(
        posted.values,
        include=posted.all("segments"),
        exclude=posted.all("exclude_segments"),
        picks=posted.all("announcements"),
    )
    return save_campaign(
        db,
        fields=parsed.fields,
        include=parsed.include,
        exclude=parsed.exclude,
        campaign_id=campaign_id,
        announcement_ids=parsed.announcements,
        actor_id=actor_id,
        version=parsed.version,
        edition_subjects=parsed.edition_subjects,
    )


def _save(
    request: Request, db: Session, login: CurrentLogin, posted: PostedForm, campaign_id: int | None
) -> Response:
    def redisplay(state: FormState) -> Response:
        current = get_campaign(db, campaign_id=campaign_id) if campaign_id else None
        return campaign_page(
            request, db, login, current, form=state, chosen=_chosen(posted), status=422
        )

    return save_or_redisplay(
        db,
        posted,
        lang=request_language(request, login),
        save=lambda: _apply(db, posted, campaign_id, login.user.id),
        done_url=lambda saved: f"{PREFIX}/campaigns/{saved.id}?done=saved",
        redisplay=redisplay,
    )


@router.post("/campaigns/new")
def create_campaign(
    request: Request, db: DbSession, login: CurrentLogin, _u: Writer, posted: PostedForm
) -> Response:
    """Create a draft from chosen announcements and target segments."""
    return _save(request, db, login, posted, None)


@router.post("/campaigns/{campaign_id:int}")
def update_campaign(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    _u: Writer,
    posted: PostedForm,
    campaign_id: int,
) -> Response:
    """Save the campaign form; a stale version is refused with who changed it and when."""
    return _save(request, db, login, posted, campaign_id)


@router.post("/campaigns/counts", response_class=HTMLResponse)
def live_counts(
    request: Request, db: DbSession, login: CurrentLogin, _u: Writer, posted: PostedForm
) -> HTMLResponse:
    """Recipients per segment and edition for the form as typed: saved, counted, rolled back."""
    raw_id = posted.get("campaign_id")
    try:
        campaign = _apply(db, posted, int(raw_id) if raw_id.isdigit() else None, login.user.id)
        assert campaign.id is not None
        counts = recipient_counts(db, campaign_id=campaign.id)
        subjects = {s.key: s for s in matrix_subjects(db, campaign_id=campaign.id, counts=counts)}
        problem = ""
    except NewsdeskError as exc:
        counts, subjects, problem = None, {}, explain(request_language(request, login), exc)
    db.rollback()  # a what-if: nothing of this request is kept
    return render(
        request,
        "campaigns/_counts.html",
        login=login,
        counts=counts,
        problem=problem,
        campaign_id=raw_id,
        subjects=subjects,
        subject_inputs=True,
        form=FormState(values=posted.values),
    )


@router.get("/campaigns/{campaign_id:int}/counts", response_class=HTMLResponse)
def saved_counts(
    request: Request, db: DbSession, login: CurrentLogin, _u: Reader, campaign_id: int
) -> HTMLResponse:
    """Recipients of the campaign as saved; once it started, its deliveries per edition."""
    campaign = get_campaign(db, campaign_id=campaign_id)
    started = campaign.started_at is not None
    counts = (delivery_counts if started else recipient_counts)(db, campaign_id=campaign_id)
    subjects = {s.key: s for s in matrix_subjects(db, campaign_id=campaign_id, counts=counts)}
    return render(
        request,
        "campaigns/_counts.html",
        login=login,
        counts=counts,
        problem="",
        campaign_id=str(campaign_id),
        subjects=subjects,
        subject_inputs=False,
        form=None,
    )


@router.get("/campaigns/{campaign_id:int}/editions/{key}", response_class=HTMLResponse)
def edition_preview(db: DbSession, _u: Reader, campaign_id: int, key: str) -> HTMLResponse:
    """One edition's HTML for a sandboxed iframe (the CSP sandboxes it when opened directly)."""
    html = edition_preview_html(db, campaign_id=campaign_id, key=key)
    # Framed by our own campaign page only (the default DENY would blank the preview).
    headers = {
        "Content-Security-Policy": "sandbox",
        "X-Frame-Options": "SAMEORIGIN",
        "Cache-Control": "no-store",
    }
    return HTMLResponse(html, headers=headers)


@router.get("/campaigns/{campaign_id:int}/progress", response_class=HTMLResponse)
def progress(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    _u: Reader,
    campaign_id: int,
    shown: str = "",
) -> HTMLResponse:
    """The live progress fragment htmx polls; once the state moved on, the page reloads."""
    campaign = get_campaign(db, campaign_id=campaign_id)
    response = render(
        request,
        "campaigns/_progress.html",
        login=login,
        campaign=campaign,
        progress=running_one(db, campaign=campaign),
    )
    if shown and shown != campaign.status and campaign.status in FINAL:
        response.headers["HX-Refresh"] = "true"  # the actions offered no longer apply
    return response
