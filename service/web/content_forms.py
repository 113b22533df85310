"""Helpers of the content pages (announcements, campaigns, audience): form data, errors."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.accounts.errors import FormProblem
from service.errors import Explained, NewsdeskError
from service.web.forms import FormState, from_problem
from service.web.i18n import gettext


class Posted:
    """A submitted form: single values and the repeated ones (checkboxes, multi-selects)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs
        self.values: dict[str, str] = {}
        for key, value in pairs:
            self.values.setdefault(key, value)

    def get(self, name: str, default: str = "") -> str:
        """The first value of `name`."""
        return self.values.get(name, default)

    def all(self, name: str) -> list[str]:
        """Every value of `name`, in order."""
        return [v for k, v in self.pairs if k == name and v]


async def _posted(request: Request) -> Posted:
    form = await request.form()
    return Posted([(k, v) for k, v in form.multi_items() if isinstance(v, str)])


PostedForm = Annotated[Posted, Depends(_posted)]


def explain(lang: str, exc: NewsdeskError) -> str:
    """A service error in the user's language (msgid errors translated, others as they are)."""
    if isinstance(exc, Explained):
        return gettext(lang, exc.msgid, **exc.params)
    return str(exc)


def form_state(lang: str, exc: NewsdeskError, values: dict[str, str]) -> FormState:
    """Field errors for a FormProblem; otherwise one page-level error under the key '_page'."""
    if isinstance(exc, FormProblem):
        return from_problem(exc, lang=lang, values=values)
    state = FormState(values=values)
    state.add("_page", explain(lang, exc))
    return state
