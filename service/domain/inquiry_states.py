"""The inquiry state machine: one transition table for routing, hand-off, answers and the clock.

    new ──forward──> forwarded (open, clock runs) ──answer──> answered ──close──> closed
                        │  ▲                          │                         │
                 wait   │  │ subscriber_replied       │ subscriber_replied      │ reopen
                        ▼  │                          ▼                         ▼
          waiting (for the subscriber: clock stopped)  forwarded            forwarded

Reassigning is a forward from any open state. Which states run the response clock is part of
the table (`CLOCK_RUNS`), so the clock and the states cannot disagree.
"""

from __future__ import annotations

from enum import StrEnum

from service.errors import InvalidTransition
from service.models.inquiry import InquiryState, RoutingReason

__all__ = [
    "CLOCK_RUNS",
    "OPEN_STATES",
    "InquiryAction",
    "InquiryState",
    "RoutingReason",
    "next_state",
]


class InquiryAction(StrEnum):
    """What can happen to an inquiry."""

    FORWARD = "forward"  # hand-off, reminder, reassignment, escalation, move to triage
    ANSWER = "answer"
    WAIT = "wait"  # answer that asks the subscriber for something (stops the clock)
    SUBSCRIBER_REPLIED = "subscriber_replied"
    CLOSE = "close"
    REOPEN = "reopen"


S, A = InquiryState, InquiryAction

TRANSITIONS: dict[tuple[InquiryState, InquiryAction], InquiryState] = {
    (S.NEW, A.FORWARD): S.FORWARDED,
    (S.FORWARDED, A.FORWARD): S.FORWARDED,  # a reminder, re-route or reassignment
    (S.WAITING, A.FORWARD): S.WAITING,  # reassigned while waiting: still the subscriber's turn
    (S.ANSWERED, A.FORWARD): S.ANSWERED,
    (S.FORWARDED, A.ANSWER): S.ANSWERED,
    (S.WAITING, A.ANSWER): S.ANSWERED,
    (S.ANSWERED, A.ANSWER): S.ANSWERED,  # follow-up answers in the same thread
    (S.FORWARDED, A.WAIT): S.WAITING,
    (S.ANSWERED, A.WAIT): S.WAITING,
    (S.WAITING, A.WAIT): S.WAITING,
    (S.WAITING, A.SUBSCRIBER_REPLIED): S.FORWARDED,
    (S.ANSWERED, A.SUBSCRIBER_REPLIED): S.FORWARDED,
    (S.FORWARDED, A.SUBSCRIBER_REPLIED): S.FORWARDED,
    (S.NEW, A.CLOSE): S.CLOSED,
    (S.FORWARDED, A.CLOSE): S.CLOSED,
    (S.WAITING, A.CLOSE): S.CLOSED,
    (S.ANSWERED, A.CLOSE): S.CLOSED,
    (S.CLOSED, A.REOPEN): S.FORWARDED,
}

# States in which the response clock counts against the target.
CLOCK_RUNS = frozenset({S.NEW, S.FORWARDED})
OPEN_STATES = (S.NEW, S.FORWARDED, S.WAITING)


def next_state(current: str, action: str) -> InquiryState:
    """The state after `action`, or InvalidTransition naming both."""
    try:
        return TRANSITIONS[(InquiryState(current), InquiryAction(action))]
    except (KeyError, ValueError) as exc:
        raise InvalidTransition(f"inquiry cannot {action} from state {current}") from exc
