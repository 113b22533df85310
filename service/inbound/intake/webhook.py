"""HTTP intake for relays that POST raw mail (message/rfc822) instead of speaking SMTP."""

from __future__ import annotations

import hmac
from collections.abc import Callable

from fastapi import APIRouter, Header, HTTPException, Request, status

from service.inbound.intake.store import store_inbound
from service.models import InboundChannel
from service.settings import get_settings

AfterStored = Callable[[int], None]


def make_inbound_router(after_stored: AfterStored | None = None) -> APIRouter:
    """POST /inbound/raw: bearer-token protected; stores first, answers 202 with the id."""
    router = APIRouter()

    @router.post("/inbound/raw", status_code=status.HTTP_202_ACCEPTED)
    async def receive_raw(
        request: Request,
        authorization: str = Header(default=""),
        x_envelope_from: str = Header(default=""),
        x_envelope_to: str = Header(default=""),
    ) -> dict[str, int]:
        """Store the request body as one inbound message."""
        _authorise(authorization)
        raw = await request.body()
        limit = get_settings().inbound_max_bytes
        if not raw.strip():
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "empty body: POST the raw message")
        if len(raw) > limit:
            raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, f"over {limit} bytes")
        to = [a.strip() for a in x_envelope_to.split(",") if a.strip()]
        message_id = store_inbound(
            raw=raw, envelope_from=x_envelope_from, envelope_to=to, channel=InboundChannel.HTTP
        )
        if after_stored is not None:
            after_stored(message_id)
        return {"id": message_id}

    return router


def _authorise(authorization: str) -> None:
    """Constant-time bearer check; the endpoint is disabled when no token is configured."""
    expected = get_settings().inbound_webhook_token
    if not expected:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "inbound webhook is not enabled")
    given = authorization.removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "bad or missing bearer token")
