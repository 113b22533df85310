"""Errors the entry points translate into clear messages (HTTP 4xx, CLI exit 1)."""


class NewsdeskError(Exception):
    """Base for every error a user can act on."""


class NotFound(NewsdeskError):
    """The named object does not exist."""


class InvalidInput(NewsdeskError):
    """Input failed validation; the message says where and why."""


class InvalidTransition(NewsdeskError):
    """A state change not allowed from the current state."""


class TemplateProblem(InvalidInput):
    """A template failed to compile or render; the message names the line."""
