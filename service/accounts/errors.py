"""Account errors; messages are English msgids the newsroom translates (see N_)."""

from __future__ import annotations

from typing import Any

from service.errors import InvalidInput, NewsdeskError


def N_(message: str) -> str:
    """Mark a message for the newsroom catalogs without translating it here."""
    return message


class FormProblem(InvalidInput):
    """Field errors: field name -> (English msgid, %-parameters); the web translates them."""

    def __init__(self, errors: dict[str, tuple[str, dict[str, Any]]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {m % p}" for k, (m, p) in errors.items()))


def field_problem(field: str, message: str, **params: Any) -> FormProblem:
    """One field's error."""
    return FormProblem({field: (message, params)})


class PermissionDenied(NewsdeskError):
    """The user's role does not allow the action."""

    def __init__(self, action: str) -> None:
        self.action = action
        super().__init__(f"not allowed: {action}")


class LoginRefused(NewsdeskError):
    """Wrong email/password/code, a disabled account, or throttled (retry_after_s > 0)."""

    def __init__(self, message: str, *, retry_after_s: int = 0) -> None:
        self.message, self.retry_after_s = message, retry_after_s
        super().__init__(message)
