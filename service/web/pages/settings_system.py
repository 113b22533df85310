"""Settings (admin): DKIM record and key, relays and rate limits, webhooks and their log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from service import webhooks
from service.mail import overview
from service.models import User, WebhookStatus
from service.settings import get_settings
from service.web.deps import CurrentLogin, DbSession, require
from service.web.templating import render

router = APIRouter(prefix="/settings")
Admin = Annotated[User, Depends(require("settings.view"))]


@router.get("/system", response_class=HTMLResponse)
def system(request: Request, login: CurrentLogin, _admin: Admin) -> Response:
    """DKIM, relays and rate limits, read from settings."""
    settings = get_settings()
    return render(
        request,
        "settings/system.html",
        login=login,
        dkim=overview.dkim_status(settings),
        relays=overview.relay_lines(settings),
        rates=overview.rate_limits(settings),
        settings=settings,
    )


@router.get("/webhooks", response_class=HTMLResponse)
def webhook_log(
    request: Request, db: DbSession, login: CurrentLogin, _admin: Admin, status: str = ""
) -> Response:
    """Webhook receivers and the newest deliveries (filter by status)."""
    chosen = status if status in {s.value for s in WebhookStatus} else ""
    return render(
        request,
        "settings/webhooks.html",
        login=login,
        endpoints=webhooks.endpoints(db),
        deliveries=webhooks.recent(db, status=chosen or None, limit=100),
        statuses=[s.value for s in WebhookStatus],
        chosen=chosen,
    )
