"""Open pixel and click redirect: verify the token, buffer the event in Redis, answer at once.

No database on the hot path: events go to a Redis Stream (service.tracking.buffer) that the
ingestion worker drains; click targets come from an in-process cache of each campaign's edition
link tables (one read per campaign and process). The pixel is always the same GIF (no oracle for
token validity); a click token that is forged, altered or names no registered link gets the same
404, never a redirect to a URL from the request. HEAD requests are answered but never counted.
Without Redis (embedded demo) events are written straight to the database instead.
Also serves the admin report page and its CSV (/reports/campaigns/{id}).
"""

from __future__ import annotations

import base64
import logging
import uuid

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from service.addressing.tokens import codec
from service.api.deps import SessionDep, require_admin
from service.reports.campaign import campaign_report
from service.reports.views import to_csv, to_html
from service.settings import Settings, get_settings
from service.tracking import buffer, ingest
from service.tracking.classify import is_prefetch
from service.tracking.targets import link_targets

log = logging.getLogger(__name__)
router = APIRouter(tags=["tracking"])

GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_CACHE = {"Cache-Control": "no-store, no-cache, must-revalidate, private", "Pragma": "no-cache"}
# The click token must not leak to the target site through the Referer header.
REDIRECT_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _not_found() -> Response:
    """One answer for every bad click token, the same as for a path that matches no route."""
    return JSONResponse(
        {"detail": "Not Found"}, status_code=404, headers={"Cache-Control": "no-store"}
    )


async def _record(settings: Settings, event: buffer.RawEvent) -> None:
    """Buffer the event; if Redis is unreachable, write it to the database instead."""
    if settings.redis_url:
        try:
            await buffer.push(settings, event)
            return
        except Exception:  # the request is still answered; the event takes the slow path
            log.exception("tracking buffer unavailable, writing the event directly")
    try:
        entry = (f"d-{uuid.uuid4().hex}", event)
        await run_in_threadpool(ingest.store_direct, settings, [entry])
    except Exception:
        log.exception("tracking event lost: buffer and database both failed: %r", event)


def _client_ip(request: Request) -> str | None:
    """The peer address (uvicorn --proxy-headers rewrites it from X-Forwarded-For)."""
    return request.client.host if request.client else None


async def open_pixel(request: Request) -> Response:
    """A 1x1 GIF for any token; a GET with a valid token counts an open."""
    settings = get_settings()
    ids = codec(settings).decode_open(request.path_params["token"])
    if ids is not None and request.method == "GET":
        event = buffer.RawEvent(
            kind="open",
            campaign_id=ids.campaign_id,
            subscriber_id=ids.subscriber_id,
            n=None,
            edition_id=None,
            user_agent=request.headers.get("user-agent", ""),
            ip=_client_ip(request),
            at_ms=buffer.now_ms(),
        )
        await _record(settings, event)
    return Response(GIF, media_type="image/gif", headers=NO_CACHE)


async def click(request: Request) -> Response:
    """Redirect to the edition's registered link; a GET counts a click (prefetches as machine)."""
    settings = get_settings()
    ids = codec(settings).decode_click(request.path_params["token"])
    if ids is None:
        return _not_found()
    args = (ids.campaign_id, ids.subscriber_id, ids.link_index)
    target = link_targets.cached(*args)
    if target is None:
        try:
            target = await run_in_threadpool(link_targets.resolve, *args)
        except SQLAlchemyError:  # not in the cache and the database is down: try again later
            log.warning("click target of campaign %s unavailable", ids.campaign_id)
            return Response("try again shortly", status_code=503, headers={"Retry-After": "30"})
    if target is None:
        return _not_found()
    if request.method == "GET":
        event = buffer.RawEvent(
            kind="click",
            campaign_id=ids.campaign_id,
            subscriber_id=ids.subscriber_id,
            n=target.n,
            edition_id=target.edition_id,
            user_agent=request.headers.get("user-agent", ""),
            ip=_client_ip(request),
            at_ms=buffer.now_ms(),
            prefetch=is_prefetch(request.headers),
        )
        await _record(settings, event)
    return RedirectResponse(target.url, status_code=302, headers=REDIRECT_HEADERS)


# Plain Starlette routes: no dependency solving or validation on the hottest paths.
router.add_route("/t/o/{token}.gif", open_pixel, methods=["GET", "HEAD"], include_in_schema=False)
router.add_route("/t/c/{token}", click, methods=["GET", "HEAD"], include_in_schema=False)


@router.get(
    "/reports/campaigns/{campaign_id}.csv",
    dependencies=[Depends(require_admin)],
    tags=["reports"],
    response_class=PlainTextResponse,
)
def campaign_report_csv(campaign_id: int, session: SessionDep) -> Response:
    """The campaign report as CSV (one figure per row)."""
    report = campaign_report(session, campaign_id=campaign_id)
    return Response(
        to_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="campaign-{campaign_id}.csv"'},
    )


@router.get(
    "/reports/campaigns/{campaign_id}",
    dependencies=[Depends(require_admin)],
    tags=["reports"],
    response_class=HTMLResponse,
)
def campaign_report_page(campaign_id: int, session: SessionDep) -> HTMLResponse:
    """The campaign report page: tables and server-rendered SVG charts."""
    return HTMLResponse(to_html(campaign_report(session, campaign_id=campaign_id)))
