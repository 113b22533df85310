"""Helpers of the content pages (announcements, campaigns, audience): form data, errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from service.accounts.errors import FormProblem
from service.errors import Explained, NewsdeskError
from service.web.forms import FormState, from_problem
from service.web.i18n import gettext

T = TypeVar("T")


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


def save_or_redisplay(
    db: Session,
    posted: Posted,
    *,
    lang: str,
    save: Callable[[], T],
    done_url: Callable[[T], str],
    redisplay: Callable[[FormState], Response],
) -> Response:
    """Save a content form and go to `done_url`; on a refusal roll back and show the form again
    (422) with the errors and what was typed, so nothing entered is lost."""
    try:
        saved = save()
    except NewsdeskError as exc:
        db.rollback()
        return redisplay(form_state(lang, exc, posted.values))
    return RedirectResponse(done_url(saved), status_code=303)
