"""The one API error mapping: which service error is which HTTP status."""

from __future__ import annotations

from service.errors import (
    InvalidInput,
    InvalidTransition,
    NewsdeskError,
    NotAllowed,
    NotFound,
    StaleWrite,
)

ERROR_STATUS: tuple[tuple[type[NewsdeskError], int], ...] = (
    (NotFound, 404),
    (InvalidTransition, 409),
    (StaleWrite, 409),
    (NotAllowed, 403),
    (InvalidInput, 422),
)


def status_of(exc: NewsdeskError, *, default: int = 400) -> int:
    """The HTTP status of a service error (the first kind in ERROR_STATUS it is)."""
    return next((code for kind, code in ERROR_STATUS if isinstance(exc, kind)), default)
