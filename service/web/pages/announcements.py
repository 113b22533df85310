"""Announcements: list with filters, the bilingual editor with live preview, approval steps."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session, col, select

from service.accounts.errors import N_
from service.accounts.permissions import allowed
from service.audit import trail
from service.content import approval
from service.content.announcement_form import parse_announcement_form
from service.content.announcements import save_announcement
from service.content.listing import list_announcements
from service.content.preview import preview_announcement
from service.content.snapshot import segment_slugs
from service.domain.approval_states import ApprovalState, allowed_actions
from service.errors import NewsdeskError, NotAllowed
from service.models import Announcement, Coordinator, Segment, User
from service.settings import get_settings
from service.web.content_forms import PostedForm, explain, save_or_redisplay
from service.web.deps import CurrentLogin, DbSession, require
from service.web.errors import Forbidden
from service.web.forms import FormState
from service.web.i18n import Formats
from service.web.templating import (
    AUDIT_LABELS,
    PREFIX,
    STATUS_LABELS,
    register_nav,
    render,
    request_language,
)

router = APIRouter()
register_nav("/announcements", N_("Announcements"), "announcement.read")
AUDIT_LABELS.update(
    {
        "announcement.create": N_("Announcement created"),
        "announcement.edit": N_("Announcement edited"),
        "announcement.submit": N_("Submitted for approval"),
        "announcement.approve": N_("Approved"),
        "announcement.reject": N_("Rejected"),
        "announcement.withdraw": N_("Withdrawn to draft"),
    }
)
STATUS_LABELS.update({"submitted": N_("Submitted"), "approved": N_("Approved")})
Reader = Annotated[User, Depends(require("announcement.read"))]
Writer = Annotated[User, Depends(require("announcement.write"))]
Submitter = Annotated[User, Depends(require("announcement.submit"))]
Approver = Annotated[User, Depends(require("announcement.approve"))]


def _previewer(login: CurrentLogin) -> User:
    """Who writes or reviews announcements may render previews (a POST, so viewers may not)."""
    role = login.user.role
    if not (allowed(role, "announcement.write") or allowed(role, "announcement.approve")):
        raise Forbidden("announcement.write")
    return login.user


Previewer = Annotated[User, Depends(_previewer)]
STATES = (ApprovalState.DRAFT, ApprovalState.SUBMITTED, ApprovalState.APPROVED)


def _choices(db: Session) -> dict[str, Any]:
    segments = list(db.exec(select(Segment).order_by(col(Segment.slug))))
    coordinators = list(db.exec(select(Coordinator).order_by(col(Coordinator.name))))
    return {
        "segments": segments,
        "coordinators": coordinators,
        "segment_options": [(s.slug, s.name) for s in segments],
        "coordinator_options": [(str(c.id), c.name) for c in coordinators],
    }


@router.get("/announcements", response_class=HTMLResponse)
def announcement_list(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    _user: Reader,
    state: str = "",
    coordinator: str = "",
    segment: str = "",
    gap: str = "",
) -> HTMLResponse:
    """All announcements, filtered."""
    lines = list_announcements(
        db,
        state=state if state in STATES else "",
        coordinator_id=int(coordinator) if coordinator.isdigit() else None,
        segment=segment,
        gap=gap,
    )
    filters = {"state": state, "coordinator": coordinator, "segment": segment, "gap": gap}
    return render(
        request,
        "announcements/list.html",
        login=login,
        lines=lines,
        filters=filters,
        states=STATES,
        **_choices(db),
    )


def _values(row: Announcement | None, db: Session) -> dict[str, str]:
    if row is None:
        return {"priority": "100", "topic": "general"}
    fmt = Formats("en")
    values = {k: "" if v is None else str(v) for k, v in row.model_dump().items()}
    for name in ("valid_from", "valid_until"):
        moment = getattr(row, name)
        values[name] = fmt.local(moment).strftime("%Y-%m-%dT%H:%M") if moment else ""
    return values


def _editor(
    request: Request,
    db: Session,
    login: CurrentLogin,
    *,
    row: Announcement | None,
    form: FormState,
    chosen: list[str],
    status: int = 200,
    preview: Any = None,
) -> HTMLResponse:
    lang = request_language(request, login)
    context: dict[str, Any] = {"row": row, "form": form, "chosen": chosen, "preview": preview}
    if row is not None and row.id is not None:
        context["changes"] = approval.changes_since_approval(db, row=row)
        context["trail"] = trail(db, object_type="announcement", object_id=row.id)
        context["actions"] = [a.value for a in allowed_actions(row.approval)]
        refusal = approval.four_eyes_refusal(row, actor_id=login.user.id)
        context["four_eyes"] = explain(lang, NotAllowed(refusal, msgid=refusal)) if refusal else ""
    return render(
        request,
        "announcements/editor.html",
        login=login,
        status=status,
        notice=request.query_params.get("done", ""),
        **context,
        **_choices(db),
    )


@router.get("/announcements/new", response_class=HTMLResponse)
def new_announcement(
    request: Request, db: DbSession, login: CurrentLogin, _user: Writer
) -> HTMLResponse:
    """An empty editor."""
    return _editor(
        request, db, login, row=None, form=FormState(values=_values(None, db)), chosen=[]
    )


def _load(db: Session, announcement_id: int) -> Announcement:
    return approval.load(db, announcement_id=announcement_id, lock=False)


@router.get("/announcements/{announcement_id:int}", response_class=HTMLResponse)
def edit_announcement(
    request: Request, db: DbSession, login: CurrentLogin, _user: Reader, announcement_id: int
) -> HTMLResponse:
    """The editor of one announcement with its approval state, diff and history."""
    row = _load(db, announcement_id)
    chosen = segment_slugs(db, announcement_id=announcement_id)
    return _editor(
        request, db, login, row=row, form=FormState(values=_values(row, db)), chosen=chosen
    )


def _save(
    request: Request, db: Session, login: CurrentLogin, posted: PostedForm, row: Announcement | None
) -> Response:
    lang = request_language(request, login)
    chosen = posted.all("segments")
    if posted.get("do") == "preview":
        return _editor(
            request,
            db,
            login,
            row=row,
            form=FormState(values=posted.values),
            chosen=chosen,
            preview=_preview(db, posted, row),
        )

    def save() -> Announcement:
        parsed = parse_announcement_form(posted.values, chosen, get_settings().timezone)
        return save_announcement(
            db,
            fields=parsed.fields,
            segments=parsed.segments,
            announcement_id=row.id if row else None,
            actor_id=login.user.id,
            version=parsed.version,
        )

    def redisplay(state: FormState) -> Response:
        current = _load(db, row.id) if row and row.id else None
        return _editor(request, db, login, row=current, form=state, chosen=chosen, status=422)

    return save_or_redisplay(
        db,
        posted,
        lang=lang,
        save=save,
        done_url=lambda saved: f"{PREFIX}/announcements/{saved.id}?done=saved",
        redisplay=redisplay,
    )


@router.post("/announcements/new")
def create_announcement(
    request: Request, db: DbSession, login: CurrentLogin, _user: Writer, posted: PostedForm
) -> Response:
    """Create from the editor form (or show its preview without saving)."""
    return _save(request, db, login, posted, None)


@router.post("/announcements/{announcement_id:int}")
def update_announcement(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    _user: Writer,
    posted: PostedForm,
    announcement_id: int,
) -> Response:
    """Save the editor form; a stale version is refused with who changed it and when."""
    return _save(request, db, login, posted, _load(db, announcement_id))


def _preview(db: Session, posted: PostedForm, row: Announcement | None) -> Any:
    try:
        parsed = parse_announcement_form(
            posted.values, posted.all("segments"), get_settings().timezone
        )
        fields = parsed.fields
    except NewsdeskError:
        fields = {k: posted.get(k) for k in ("title_de", "title_en", "body_de", "body_en")}
    segment = posted.get("preview_segment") or None
    language = (
        posted.get("preview_language") if posted.get("preview_language") in ("de", "en") else "de"
    )
    return preview_announcement(
        db,
        fields=fields,
        segment_slugs=posted.all("segments"),
        segment_slug=segment,
        language=language,
        announcement_id=row.id if row else None,
    )


@router.post("/announcements/preview", response_class=HTMLResponse)
def live_preview(
    request: Request, db: DbSession, login: CurrentLogin, _user: Previewer, posted: PostedForm
) -> HTMLResponse:
    """The htmx fragment: rendered edition in a sandboxed iframe and the lint findings."""
    announcement_id = posted.get("announcement_id")
    row = _load(db, int(announcement_id)) if announcement_id.isdigit() else None
    try:
        result = _preview(db, posted, row)
    except NewsdeskError as exc:
        return render(
            request,
            "announcements/_preview.html",
            login=login,
            preview=None,
            problem=explain(request_language(request, login), exc),
        )
    return render(request, "announcements/_preview.html", login=login, preview=result, problem="")
