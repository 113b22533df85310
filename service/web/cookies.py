"""Newsroom cookies: HttpOnly, SameSite=Lax, path /newsroom, Secure when PUBLIC_URL is https."""

from __future__ import annotations

from starlette.responses import Response

from service.settings import get_settings

PATH = "/newsroom"


def set_cookie(response: Response, name: str, value: str, *, max_age: int | None = None) -> None:
    """Set one of our cookies with the safe attributes."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=PATH,
        secure=get_settings().public_url.startswith("https://"),
        httponly=True,
        samesite="lax",
    )


def clear_cookie(response: Response, name: str) -> None:
    """Remove one of our cookies."""
    response.delete_cookie(
        name,
        path=PATH,
        secure=get_settings().public_url.startswith("https://"),
        httponly=True,
        samesite="lax",
    )
