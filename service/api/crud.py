"""A small CRUD router factory for the admin API's plain resources."""

from collections.abc import Callable
from typing import Any, Optional

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError, create_model
from sqlmodel import SQLModel, select

from service.api.deps import SessionDep
from service.api.pages import AfterQuery, LimitQuery, keyset, page
from service.models._common import table_of


def partial_model(base: type[SQLModel], name: str) -> type[SQLModel]:
    """A copy of `base` where every field is optional (for PATCH)."""
    fields: dict[str, Any] = {
        key: (Optional[field.annotation], None)  # noqa: UP045 - built at runtime
        for key, field in base.model_fields.items()
    }
    return create_model(name, __base__=SQLModel, **fields)


def crud_router(
    *,
    table: type[SQLModel],
    create: type[SQLModel],
    prefix: str,
    prepare: Callable[[SessionDep, dict[str, Any]], dict[str, Any]] = lambda _s, d: d,
    delete_refusal: str | None = None,
    creatable: bool = True,
) -> APIRouter:
    """List, create, read, update and delete for one table (delete_refusal: why DELETE is 409).

    Every write goes through `prepare` (the rules) and is flushed inside the handler, so a
    foreign key or uniqueness conflict answers 409 before anything is sent, never a 2xx."""
    router = APIRouter(prefix=prefix, tags=[prefix.strip("/")])
    update = partial_model(create, f"{create.__name__}Update")

    @router.get("", response_model=list[table])  # type: ignore[valid-type]
    def list_items(
        session: SessionDep, request: Request, response: Response,
        after: AfterQuery = None, limit: LimitQuery = 100,
    ) -> Any:  # fmt: skip
        """Oldest first; the next page's cursor is in X-Next-Cursor and Link."""
        query = keyset(select(table), table_of(table).c.id, after=after, limit=limit,
                       newest_first=False)  # fmt: skip
        return page(list(session.exec(query).all()), limit=limit, request=request,
                    response=response)  # fmt: skip

    if creatable:  # otherwise the caller routes POST itself (subscribers: consent rules)

        @router.post("", response_model=table, status_code=201)
        def create_item(item: create, session: SessionDep) -> Any:  # type: ignore[valid-type]
            row = table(**prepare(session, item.model_dump()))  # type: ignore[attr-defined]
            session.add(row)
            session.flush()
            return row

    @router.get("/{item_id}", response_model=table)
    def read_item(item_id: int, session: SessionDep) -> Any:
        return _get(session, table, item_id)

    @router.patch("/{item_id}", response_model=table)
    def update_item(item_id: int, changes: update, session: SessionDep) -> Any:  # type: ignore[valid-type]
        row = _get(session, table, item_id)
        given = changes.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        _validate_as_created(create, row, given)  # one validation path for create and update
        for key, value in prepare(session, given).items():
            setattr(row, key, value)
        session.add(row)
        session.flush()
        return row

    @router.delete("/{item_id}", status_code=204)
    def delete_item(item_id: int, session: SessionDep) -> None:
        row = _get(session, table, item_id)
        if delete_refusal:
            raise HTTPException(status_code=409, detail=delete_refusal)
        session.delete(row)
        session.flush()

    return router


def _validate_as_created(create: type[SQLModel], row: Any, given: dict[str, Any]) -> None:
    """The row as it would be after the change must pass the create model's validation."""
    merged = {key: getattr(row, key) for key in create.model_fields if hasattr(row, key)}
    try:
        validated = create.model_validate({**merged, **given})
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None
    for key in given:  # keep normalised values (e.g. the lowercased e-mail)
        given[key] = getattr(validated, key)


def _get(session: SessionDep, table: type[SQLModel], item_id: int) -> Any:
    row = session.get(table, item_id)
    if row is None:
        raise HTTPException(status_code=404, detail=f"{table.__name__.lower()} {item_id} not found")
    return row
