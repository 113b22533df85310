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


class Explained(NewsdeskError):
    """An error with an English msgid and %-parameters the newsroom translates."""

    def __init__(self, message: str, *, msgid: str, **params: object) -> None:
        self.msgid, self.params = msgid, params
        super().__init__(message)


class StaleWrite(Explained):
    """The form was based on an older version: someone else changed the object meanwhile."""


class ExplainedInvalid(InvalidInput, Explained):
    """Invalid input with a msgid the newsroom translates; API and CLI show the English text."""


class NotAllowed(Explained):
    """The rule refuses this actor this action (e.g. four-eyes: approving one's own work)."""
