"""The "keep me subscribed" answer to a sunset re-permission mail (STANDARDS F6).

GET shows the question and a button and changes nothing (link scanners prefetch mail links);
POST records the answer. The signed token is the only credential, as on the other mail pages.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from service.addressing.link_tokens import make_preferences
from service.addressing.tokens import codec
from service.api.public_pages import client_ip, not_found, page
from service.automation.sunset import keep_subscribed
from service.db import session_scope
from service.models import Subscriber, SubscriberStatus, SunsetRequest

keep_router = APIRouter(tags=["public"])


@keep_router.get("/keep/{token}", response_class=HTMLResponse)
def keep_page(request: Request, token: str) -> HTMLResponse:
    """The question with one button."""
    ids = codec().decode_keep(token)
    with session_scope() as session:
        sub = session.get(Subscriber, ids.subscriber_id) if ids else None
        if ids is None or sub is None or session.get(SunsetRequest, ids.subscriber_id) is None:
            return not_found(request)
        return page(
            request,
            "keep.html",
            lang=sub.language,
            done=False,
            action=str(request.url.path),
            preferences_url=f"/p/{make_preferences(ids.subscriber_id)}",
        )


@keep_router.post("/keep/{token}", response_class=HTMLResponse)
def keep(request: Request, token: str) -> HTMLResponse:
    """Record the answer (once; a second POST just thanks again)."""
    with session_scope() as session:
        sub = keep_subscribed(session, token=token, ip=client_ip(request))
        if sub is None or sub.id is None:
            return not_found(request)
        return page(
            request,
            "keep.html",
            lang=sub.language,
            done=True,
            gone=sub.status != SubscriberStatus.CONFIRMED,
            action=str(request.url.path),
            preferences_url=f"/p/{make_preferences(sub.id)}",
        )
