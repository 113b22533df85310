"""Pure parts of tracking: edition-qualified link indices, burst windows, stream entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.addressing.links import (
    EDITION_BASE,
    MAX_EDITION_ID,
    qualified_link_index,
    split_link_index,
    token_subscriber,
)
from service.errors import InvalidInput
from service.tracking.buffer import RawEvent, from_fields, to_fields
from service.tracking.enrich import _burst_sizes

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(("edition", "n"), [(1, 0), (7, 3), (MAX_EDITION_ID, EDITION_BASE - 1)])
def test_qualified_index_round_trips(edition: int, n: int) -> None:
    index = qualified_link_index(edition, n)
    assert index < 2**32 and split_link_index(index) == (edition, n)


def test_plain_indices_stay_plain_and_bad_input_is_refused() -> None:
    assert split_link_index(5) == (None, 5)
    with pytest.raises(InvalidInput, match="link position"):
        qualified_link_index(3, EDITION_BASE)
    with pytest.raises(InvalidInput, match="edition id"):
        qualified_link_index(MAX_EDITION_ID + 1, 0)


@pytest.mark.parametrize(
    ("mode", "consent", "expected"),
    [("consent", True, 42), ("consent", False, None), ("aggregate", False, 0), ("off", True, None)],
)
def test_token_subscriber(mode: str, consent: bool, expected: int | None) -> None:
    assert token_subscriber(mode, subscriber_id=42, consent=consent) == expected


def test_burst_window_slides() -> None:
    clicks = [
        ("a", T0, 0),
        ("b", T0 + SECOND / 4, 1),
        ("c", T0 + SECOND / 2, 2),  # three links within one second: a burst
        ("d", T0 + 10 * SECOND, 0),  # alone
        (None, T0 + 20 * SECOND, 1),  # stored earlier
        ("e", T0 + 20 * SECOND + SECOND / 2, 2),
        ("f", T0 + 20 * SECOND + SECOND / 2, 0),
    ]
    sizes, spans = _burst_sizes(clicks, SECOND, 3)
    assert sizes == {"a": 3, "b": 3, "c": 3, "d": 1, "e": 3, "f": 3}
    assert spans == [(T0 + 20 * SECOND, T0 + 20 * SECOND + SECOND / 2)]  # only with stored ones


def test_stream_entry_round_trip() -> None:
    event = RawEvent("click", 1, 2, 3, 4, 'Mozilla/5.0 "quoted" \\ ua', "2001:db8::1", 1700, True)
    assert from_fields({k.encode(): v.encode() for k, v in to_fields(event).items()}) == event
    with pytest.raises((KeyError, ValueError)):
        from_fields({b"x": b"1"})
