"""Admin API for routed inquiries: per coordinator, by state; close."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from service.api.deps import SessionDep, require_admin
from service.api.pages import AfterQuery, LimitQuery, page
from service.inbound.acting.inquiries import close_inquiry, list_inquiries

router = APIRouter(tags=["inquiries"], dependencies=[Depends(require_admin)])


def _page(
    session: SessionDep, request: Request, response: Response, *,
    coordinator_id: int | None, state: str | None, after: int | None, limit: int,
) -> list[dict[str, Any]]:  # fmt: skip
    """One page newest first (keyset by id, one look-ahead row), cursor in the headers."""
    lines = list_inquiries(session, coordinator_id=coordinator_id, state=state,
                           limit=limit + 1, before_id=after)  # fmt: skip
    return [asdict(x) for x in page(lines, limit=limit, request=request, response=response)]


@router.get("/inquiries")
def get_inquiries(
    session: SessionDep, request: Request, response: Response,
    coordinator_id: int | None = None, state: str | None = None,
    after: AfterQuery = None, limit: LimitQuery = 100,
) -> list[dict[str, Any]]:  # fmt: skip
    """Inquiries, newest first, by coordinator and state; next cursor in X-Next-Cursor, Link."""
    return _page(session, request, response, coordinator_id=coordinator_id, state=state,
                 after=after, limit=limit)  # fmt: skip


@router.get("/coordinators/{coordinator_id}/inquiries")
def coordinator_inquiries(
    coordinator_id: int, session: SessionDep, request: Request, response: Response,
    state: str | None = None, after: AfterQuery = None, limit: LimitQuery = 100,
) -> list[dict[str, Any]]:  # fmt: skip
    """One coordinator's inquiries, newest first; next cursor in X-Next-Cursor and Link."""
    return _page(session, request, response, coordinator_id=coordinator_id, state=state,
                 after=after, limit=limit)  # fmt: skip


@router.post("/inquiries/{inquiry_id}/close")
def close(inquiry_id: int, session: SessionDep) -> dict[str, Any]:
    """Close an inquiry (answered outside the mail thread, or nothing to answer)."""
    row = close_inquiry(session, inquiry_id=inquiry_id)
    return {"id": row.id, "state": row.state}
