"""Cursor pagination for list endpoints: `?after=<id>&limit=<n>`, next page in the headers.

The body stays a plain list; `X-Next-Cursor` and an RFC 8288 `Link: <…>; rel="next"` say
where the next page starts, and are absent on the last page. Keyset by id, never OFFSET, so a
page is stable while rows are added and costs the same at any depth.
"""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Query, Request, Response

MAX_LIMIT = 500
AfterQuery = Annotated[int | None, Query(ge=0, description="cursor: last id of the page before")]
LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]


def keyset(query: Any, id_column: Any, *, after: int | None, limit: int, newest_first: bool) -> Any:
    """One page of `query` after the cursor, one row more than asked (to know if more exist)."""
    if after is not None:
        query = query.where(id_column < after if newest_first else id_column > after)
    order = sa.desc(id_column) if newest_first else sa.asc(id_column)
    return query.order_by(order).limit(limit + 1)


def page(rows: list[Any], *, limit: int, request: Request, response: Response) -> list[Any]:
    """Trim the look-ahead row and announce the next cursor when there is one."""
    if len(rows) <= limit:
        return rows
    rows = rows[:limit]
    cursor = str(rows[-1].id)
    response.headers["X-Next-Cursor"] = cursor
    next_url = request.url.include_query_params(after=cursor, limit=limit)
    response.headers["Link"] = f'<{next_url}>; rel="next"'
    return rows
