"""Newsroom refusals as exceptions; service.web.mount turns them into pages or redirects."""

from __future__ import annotations


class LoginRequired(Exception):
    """No valid session: pages redirect to the login form, htmx gets HX-Redirect."""


class Forbidden(Exception):
    """The user's role does not allow the action (403 page)."""

    def __init__(self, action: str) -> None:
        self.action = action
        super().__init__(action)


class CsrfFailed(Exception):
    """A state-changing request without the right CSRF token (403 page, nothing changed)."""
