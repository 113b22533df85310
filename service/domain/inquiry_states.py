"""The inquiry state machine: one transition table for routing, hand-off and answers."""

from __future__ import annotations

from enum import StrEnum

from service.errors import InvalidTransition
from service.models.inquiry import InquiryState


class InquiryAction(StrEnum):
    """What can happen to an inquiry."""

    FORWARD = "forward"
    ANSWER = "answer"
    CLOSE = "close"
    REOPEN = "reopen"


S, A = InquiryState, InquiryAction

TRANSITIONS: dict[tuple[InquiryState, InquiryAction], InquiryState] = {
    (S.NEW, A.FORWARD): S.FORWARDED,
    (S.FORWARDED, A.FORWARD): S.FORWARDED,  # a reminder or re-route sends it again
    (S.FORWARDED, A.ANSWER): S.ANSWERED,
    (S.ANSWERED, A.ANSWER): S.ANSWERED,  # follow-up answers in the same thread
    (S.NEW, A.CLOSE): S.CLOSED,
    (S.FORWARDED, A.CLOSE): S.CLOSED,
    (S.ANSWERED, A.CLOSE): S.CLOSED,
    (S.CLOSED, A.REOPEN): S.FORWARDED,
}


def next_state(current: str, action: str) -> InquiryState:
    """The state after `action`, or InvalidTransition naming both."""
    try:
        return TRANSITIONS[(InquiryState(current), InquiryAction(action))]
    except (KeyError, ValueError) as exc:
        raise InvalidTransition(f"inquiry cannot {action} from state {current}") from exc
