"""The error-summary pattern (GOV.UK): field errors translated, values kept for re-display."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.accounts.errors import FormProblem
from service.web.i18n import gettext


@dataclass
class FormState:
    """What a form page needs to show again: the values typed and the errors per field."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def add(self, field_name: str, message: str) -> None:
        """Add an already translated error."""
        self.errors[field_name] = message

    def value(self, name: str, default: str = "") -> str:
        """The typed value (templates: `form.value('email')`)."""
        return self.values.get(name, default)


def from_problem(problem: FormProblem, *, lang: str, values: dict[str, str]) -> FormState:
    """A FormState from a service's FormProblem, messages in `lang`."""
    errors = {
        name: gettext(lang, message, **params) for name, (message, params) in problem.errors.items()
    }
    return FormState(values=values, errors=errors)
