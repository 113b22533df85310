"""POST /api/subscribers: confirmed only with a stated lawful basis and source, else DOI."""

from __future__ import annotations

import smtplib
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import Field

from service.api.admin_models import SubscriberCreate
from service.api.public import MailSender, get_mail_sender
from service.audience.admin_create import AlreadySubscribed, NewSubscriber, create_subscriber
from service.db import session_scope
from service.errors import InvalidInput
from service.mail.outbox import OutboxError
from service.models import Subscriber

router = APIRouter(tags=["subscribers"])


class SubscriberIn(SubscriberCreate):
    """A new subscriber; `status: confirmed` (and tracking) need `lawful_basis` and `source`."""

    status: Literal["unconfirmed", "confirmed"] = "unconfirmed"
    lists: list[str] | None = Field(None, description="mailing lists; omitted: the default list")
    lawful_basis: str | None = Field(
        None, description="consent, contract or legitimate_interests (GDPR Art. 6(1))"
    )
    source: str | None = Field(None, max_length=500, description="where and how they agreed")


@router.post("/subscribers", response_model=Subscriber, status_code=201)
def create(
    body: SubscriberIn,
    request: Request,
    sender: Annotated[MailSender, Depends(get_mail_sender)],
) -> Any:
    """Create a subscriber; without a lawful basis they get the confirmation request."""
    actor = f"user {getattr(request.state, 'api_user_id', None) or 'admin token'}"
    new = NewSubscriber(
        email=body.email, name=body.name, language=body.language, attributes=body.attributes,
        lists=set(body.lists) if body.lists is not None else None,
        confirmed=body.status == "confirmed", tracking_consent=body.tracking_consent,
        lawful_basis=body.lawful_basis, source=body.source,
    )  # fmt: skip
    try:
        with session_scope() as session:
            outcome = create_subscriber(session, new=new, actor=actor)
    except AlreadySubscribed as exc:
        raise HTTPException(409, detail=str(exc)) from None
    except InvalidInput as exc:
        raise HTTPException(422, detail=str(exc)) from None
    if outcome.subscriber is None:  # suppressed or blocklisted: subscribe() refused it
        raise HTTPException(422, detail="email: the address is suppressed; it cannot be added")
    if outcome.message is not None:
        try:
            sender(outcome.message)
        except (OSError, smtplib.SMTPException, OutboxError):
            detail = "created; the confirmation email could not be sent"
            raise HTTPException(503, detail=detail) from None
    return outcome.subscriber
