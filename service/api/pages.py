"""Cursor pagination for list endpoints: `?after=<cursor>&limit=<n>`, next page in the headers.

The body stays a plain list; `X-Next-Cursor` and an RFC 8288 `Link: <…>; rel="next"` say
where the next page starts, and are absent on the last page. Keyset by id, never OFFSET, so a
page is stable while rows are added and costs the same at any depth; a list sorted by a key
that is not unique (announcements by priority) uses the compound keyset `<key>:<id>`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Query, Request, Response

from service.errors import InvalidInput

MAX_LIMIT = 500
AfterQuery = Annotated[int | None, Query(ge=0, description="cursor: last id of the page before")]
LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]
PairQuery = Annotated[
    str | None, Query(description="cursor: X-Next-Cursor of the page before, `<key>:<id>`")
]
_PAIR = re.compile(r"(-?\d{1,18}):(\d{1,18})")


def keyset(query: Any, id_column: Any, *, after: int | None, limit: int, newest_first: bool) -> Any:
    """One page of `query` after the cursor, one row more than asked (to know if more exist)."""
    if after is not None:
        query = query.where(id_column < after if newest_first else id_column > after)
    order = sa.desc(id_column) if newest_first else sa.asc(id_column)
    return query.order_by(order).limit(limit + 1)


def keyset_pair(query: Any, key_column: Any, id_column: Any, *, after: str | None,
                limit: int) -> Any:  # fmt: skip
    """One page by (key, id) ascending after a `<key>:<id>` cursor, plus the look-ahead row."""
    if after is not None:
        match = _PAIR.fullmatch(after)
        if match is None:
            raise InvalidInput(
                f"bad cursor {after!r}: use the X-Next-Cursor of the page before (<key>:<id>)"
            )
        key, last_id = int(match[1]), int(match[2])
        query = query.where(
            sa.or_(key_column > key, sa.and_(key_column == key, id_column > last_id))
        )
    return query.order_by(sa.asc(key_column), sa.asc(id_column)).limit(limit + 1)


def page(
    rows: list[Any], *, limit: int, request: Request, response: Response,
    cursor_of: Callable[[Any], str] = lambda row: str(row.id),
) -> list[Any]:  # fmt: skip
    """Trim the look-ahead row and announce the next cursor when there is one."""
    if len(rows) <= limit:
        return rows
    rows = rows[:limit]
    cursor = cursor_of(rows[-1])
    response.headers["X-Next-Cursor"] = cursor
    next_url = request.url.include_query_params(after=cursor, limit=limit)
    response.headers["Link"] = f'<{next_url}>; rel="next"'
    return rows
