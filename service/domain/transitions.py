"""A transition table: (state, action) -> next state, with the one refusal message."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Generic, TypeVar

from service.errors import InvalidTransition

StateT = TypeVar("StateT", bound=StrEnum)
ActionT = TypeVar("ActionT", bound=StrEnum)


class TransitionTable(Generic[StateT, ActionT]):
    """The rules of one state machine; `what` names the thing in messages ("a campaign")."""

    def __init__(
        self, what: str, state: type[StateT], table: Mapping[tuple[StateT, ActionT], StateT]
    ) -> None:
        self.what, self.state, self.table = what, state, table

    def next(self, current: str, action: ActionT) -> StateT:
        """The state after `action`, or InvalidTransition naming what is allowed."""
        key = (self.state(current), action)
        if key not in self.table:
            allowed = sorted(a.value for a in self.allowed(current))
            raise InvalidTransition(
                f"cannot {action.value} {self.what} that is {current}"
                + (f"; allowed: {', '.join(allowed)}" if allowed else "")
            )
        return self.table[key]

    def allowed(self, current: str) -> list[ActionT]:
        """Actions the table allows from `current` (for buttons; the server checks again)."""
        return [a for (s, a) in self.table if s == current]

    def sources(self, action: ActionT) -> list[str]:
        """States from which `action` is allowed (for atomic UPDATE ... WHERE status IN (...))."""
        return [s.value for (s, a) in self.table if a == action]
