"""Admin API for routed inquiries: per coordinator, by state; close."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends

from service.api.deps import SessionDep, require_admin
from service.inbound.acting.inquiries import close_inquiry, list_inquiries

router = APIRouter(tags=["inquiries"], dependencies=[Depends(require_admin)])


@router.get("/inquiries")
def get_inquiries(
    session: SessionDep,
    coordinator_id: int | None = None,
    state: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Inquiries, newest first, filtered by coordinator and state."""
    lines = list_inquiries(session, coordinator_id=coordinator_id, state=state, limit=limit)
    return [asdict(line) for line in lines]


@router.get("/coordinators/{coordinator_id}/inquiries")
def coordinator_inquiries(
    coordinator_id: int, session: SessionDep, state: str | None = None
) -> list[dict[str, Any]]:
    """One coordinator's inquiries."""
    return [asdict(x) for x in list_inquiries(session, coordinator_id=coordinator_id, state=state)]


@router.post("/inquiries/{inquiry_id}/close")
def close(inquiry_id: int, session: SessionDep) -> dict[str, Any]:
    """Close an inquiry (answered outside the mail thread, or nothing to answer)."""
    row = close_inquiry(session, inquiry_id=inquiry_id)
    return {"id": row.id, "state": row.state}
