"""Admin/API endpoints for the audience: live segment preview, API signups, suppression, GDPR.

Mount behind the admin API's authentication: `app.include_router(router, dependencies=[...])`.
"""

from __future__ import annotations

import smtplib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from pydantic import BaseModel, Field

from service.api.errors import status_of
from service.api.public import MailSender, client_ip, get_mail_sender
from service.audience.gdpr import erase_subscriber, export_subscriber
from service.audience.segments import segment_count, segment_sample
from service.audience.subscribe import subscribe
from service.audience.suppression import suppress
from service.db import session_scope
from service.errors import InvalidInput, NewsdeskError
from service.mail.outbox import OutboxError
from service.models.suppression import SuppressionReason

router = APIRouter(prefix="/audience", tags=["audience"])


class RulePreview(BaseModel):
    """A segment rule to count and sample."""

    rule: dict[str, Any]
    sample: int = Field(10, ge=0, le=100)


class ApiSignup(BaseModel):
    """A subscription request from an API client; the person still confirms by email."""

    email: str = Field(max_length=320)
    name: str | None = Field(None, max_length=200)
    language: str = "en"
    lists: list[str] | None = None
    topics: list[str] | None = None
    consent: bool = Field(description="the person ticked the consent box shown by the client")


class SuppressionRequest(BaseModel):
    """Block an address (admin)."""

    email: str = Field(max_length=320)
    reason: SuppressionReason = SuppressionReason.ADMIN


def _http(exc: NewsdeskError) -> HTTPException:
    """The one mapping (404 for unknown things, 422 for bad input), raised inside a route."""
    return HTTPException(status_of(exc, default=422), detail=str(exc))


@router.post("/segments/preview")
def preview_segment(body: RulePreview) -> dict[str, Any]:
    """Live count of deliverable members and a sample, evaluated now."""
    try:
        with session_scope() as session:
            members = segment_sample(session, rule=body.rule, limit=body.sample)
            return {
                "count": segment_count(session, rule=body.rule),
                "sample": [{"id": s.id, "email": s.email, "language": s.language} for s in members],
            }
    except NewsdeskError as exc:
        raise _http(exc) from None


@router.post("/subscriptions", status_code=202)
def api_subscribe(
    body: ApiSignup,
    request: Request,
    sender: Annotated[MailSender, Depends(get_mail_sender)],
    x_client: Annotated[str, Header(max_length=100)] = "unnamed client",
) -> dict[str, str]:
    """Double opt-in signup; the answer is the same whether or not the address is known."""
    if not body.consent:
        raise HTTPException(422, detail="consent: the person must agree to receive the newsletter")
    try:
        with session_scope() as session:
            outcome = subscribe(
                session,
                email=body.email,
                name=body.name,
                language=body.language,
                lists=set(body.lists) if body.lists is not None else None,
                topics=set(body.topics) if body.topics is not None else None,
                ip=client_ip(request),
                source=f"api:{x_client}",
            )
    except InvalidInput as exc:
        raise _http(exc) from None
    if outcome.message is not None:
        try:
            sender(outcome.message)
        except (OSError, smtplib.SMTPException, OutboxError):
            raise HTTPException(503, detail="confirmation email could not be sent") from None
    return {"status": "confirmation_requested"}


@router.post("/suppressions", status_code=201)
def add_suppression(body: SuppressionRequest) -> dict[str, str]:
    """Put an address on the suppression list (only its keyed hash is stored)."""
    try:
        with session_scope() as session:
            row = suppress(session, email=body.email, reason=body.reason)
            return {"email_hash": row.email_hash, "reason": row.reason}
    except NewsdeskError as exc:
        raise _http(exc) from None


@router.get("/subscribers/{subscriber_id}/export")
def export(subscriber_id: int) -> dict[str, Any]:
    """Everything stored about one subscriber (GDPR Art. 15 and 20)."""
    try:
        with session_scope() as session:
            return export_subscriber(session, subscriber_id=subscriber_id)
    except NewsdeskError as exc:
        raise _http(exc) from None


@router.post("/subscribers/{subscriber_id}/erase")
def erase(subscriber_id: int) -> dict[str, Any]:
    """Erase one subscriber (GDPR Art. 17); the keyed hash stays on the suppression list."""
    try:
        with session_scope() as session:
            return {"deleted": erase_subscriber(session, subscriber_id=subscriber_id)}
    except NewsdeskError as exc:
        raise _http(exc) from None
