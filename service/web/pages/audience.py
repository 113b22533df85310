"""Audience: subscriber search (keyset pages), the subscriber page with GDPR export and erasure,
the segment builder with a live count, and the suppression list."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlmodel import col, select

from service.accounts.errors import N_
from service.accounts.permissions import allowed
from service.audience.gdpr import erase_subscriber, export_subscriber
from service.audience.search import SubscriberQuery, search_subscribers
from service.audience.segment_admin import create_segment, live_count
from service.audience.subscriber_view import subscriber_view
from service.audit import record
from service.errors import NewsdeskError
from service.models import Segment, Subscriber, Suppression, User
from service.web.content_forms import PostedForm, explain, form_state
from service.web.deps import CurrentLogin, DbSession, require
from service.web.errors import Forbidden
from service.web.forms import FormState
from service.web.templating import PREFIX, register_nav, render, request_language

router = APIRouter()
register_nav("/audience/subscribers", N_("Audience"), "audience.read")
Reader = Annotated[User, Depends(require("audience.read"))]
Writer = Annotated[User, Depends(require("audience.write"))]

PAGE = 50


@router.get("/audience/subscribers", response_class=HTMLResponse)
def search(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    _u: Reader,
    email: str = "",
    email_mode: str = "prefix",
    name: str = "",
    attribute: str = "",
    value: str = "",
    status: str = "",
    after: int | None = None,
) -> HTMLResponse:
    """Subscribers matching the filters, 50 per page in id order (keyset: `after` an id)."""
    query = SubscriberQuery(email, email_mode, name, attribute, value, status)
    values = {
        "email": email,
        "email_mode": email_mode,
        "name": name,
        "attribute": attribute,
        "value": value,
        "status": status,
    }
    form, page = FormState(values=values), None
    try:
        page = search_subscribers(db, query=query, after=after, limit=PAGE)
    except NewsdeskError as exc:
        form.add("_page", explain(request_language(request, login), exc))
    return render(request, "audience/search.html", login=login, form=form, page=page, after=after)


@router.get("/audience/subscribers/{subscriber_id:int}", response_class=HTMLResponse)
def subscriber(
    request: Request, db: DbSession, login: CurrentLogin, _u: Reader, subscriber_id: int
) -> HTMLResponse:
    """One subscriber: status, lists, consent history, deliveries, events, inquiries."""
    view = subscriber_view(db, subscriber_id=subscriber_id)
    return render(
        request,
        "audience/subscriber.html",
        login=login,
        view=view,
        notice=request.query_params.get("done", ""),
    )


@router.get("/audience/subscribers/{subscriber_id:int}/export")
def export(db: DbSession, login: CurrentLogin, _u: Writer, subscriber_id: int) -> Response:
    """The GDPR subject-access export as a JSON download (the request is audited)."""
    data = export_subscriber(db, subscriber_id=subscriber_id)
    record(
        db,
        actor_id=login.user.id,
        action="subscriber.export",
        object_type="subscriber",
        object_id=subscriber_id,
    )
    headers = {"Content-Disposition": f'attachment; filename="subscriber-{subscriber_id}.json"'}
    return JSONResponse(json.loads(json.dumps(data, default=str)), headers=headers)


@router.get("/audience/subscribers/{subscriber_id:int}/erase", response_class=HTMLResponse)
def erase_confirm(
    request: Request, db: DbSession, login: CurrentLogin, _u: Writer, subscriber_id: int
) -> HTMLResponse:
    """Ask before erasing: it cannot be undone."""
    view = subscriber_view(db, subscriber_id=subscriber_id)
    return render(request, "audience/erase.html", login=login, view=view)


@router.post("/audience/subscribers/{subscriber_id:int}/erase")
def erase(db: DbSession, login: CurrentLogin, _u: Writer, subscriber_id: int) -> Response:
    """Erase all personal data; the keyed hash stays on the suppression list."""
    counts = erase_subscriber(db, subscriber_id=subscriber_id)
    record(
        db,
        actor_id=login.user.id,
        action="subscriber.erase",
        object_type="subscriber",
        object_id=subscriber_id,
        rows=sum(counts.values()),
    )
    return RedirectResponse(
        f"{PREFIX}/audience/subscribers?erased={subscriber_id}", status_code=303
    )


@router.get("/audience/segments", response_class=HTMLResponse)
def segments(request: Request, db: DbSession, login: CurrentLogin, _u: Reader) -> HTMLResponse:
    """The segments and the builder."""
    rows = list(db.exec(select(Segment).order_by(col(Segment.slug))))
    form = FormState(values={"rule": '{"all": [{"language": "de"}]}'})
    return render(request, "audience/segments.html", login=login, rows=rows, form=form, json=json)


@router.get("/audience/segments/count", response_class=HTMLResponse)
def segment_count_fragment(
    request: Request, db: DbSession, login: CurrentLogin, _u: Reader, rule: str = ""
) -> HTMLResponse:
    """The live count of a rule as typed (htmx fragment; a plain page without JavaScript)."""
    try:
        count, problem = live_count(db, text=rule), ""
    except NewsdeskError as exc:
        count, problem = None, explain(request_language(request, login), exc)
        state = form_state(request_language(request, login), exc, {"rule": rule})
        problem = state.errors.get("rule", problem)
    return render(request, "audience/_count.html", login=login, count=count, problem=problem)


@router.post("/audience/segments", response_class=HTMLResponse)
def save_segment(
    request: Request, db: DbSession, login: CurrentLogin, user: Reader, posted: PostedForm
) -> Response:
    """Count the typed rule (without JavaScript) or save it as a new segment."""
    lang = request_language(request, login)
    rows = list(db.exec(select(Segment).order_by(col(Segment.slug))))
    if posted.get("do") != "save":
        try:
            count, problem = live_count(db, text=posted.get("rule")), ""
        except NewsdeskError as exc:
            count, problem = None, form_state(lang, exc, {}).errors.get("rule", str(exc))
        return render(
            request,
            "audience/segments.html",
            login=login,
            rows=rows,
            form=FormState(values=posted.values),
            json=json,
            count=count,
            problem=problem,
        )
    if not allowed(user.role, "segment.write"):
        raise Forbidden("segment.write")
    try:
        segment = create_segment(
            db, slug=posted.get("slug"), name=posted.get("name"), rule_text=posted.get("rule")
        )
    except NewsdeskError as exc:
        db.rollback()
        return render(
            request,
            "audience/segments.html",
            login=login,
            rows=rows,
            form=form_state(lang, exc, posted.values),
            json=json,
            status=422,
        )
    record(
        db,
        actor_id=login.user.id,
        action="segment.create",
        object_type="segment",
        object_id=segment.id or 0,
        slug=segment.slug,
    )
    return RedirectResponse(f"{PREFIX}/audience/segments?done=saved", status_code=303)


@router.get("/audience/suppressions", response_class=HTMLResponse)
def suppressions(
    request: Request, db: DbSession, login: CurrentLogin, _u: Reader, after: int | None = None
) -> HTMLResponse:
    """The suppression list with reasons (hashes only: erased people leave no address)."""
    stmt = select(Suppression).order_by(col(Suppression.id)).limit(PAGE + 1)
    if after is not None:
        stmt = stmt.where(col(Suppression.id) > after)
    rows = list(db.exec(stmt))
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    known = db.exec(
        select(Subscriber.email_hash, Subscriber.email, Subscriber.id).where(
            col(Subscriber.email_hash).in_([r.email_hash for r in rows])
        )
    ).all()
    return render(
        request,
        "audience/suppressions.html",
        login=login,
        rows=rows,
        known={h: (e, i) for h, e, i in known},
        next_after=rows[-1].id if more and rows else None,
    )
