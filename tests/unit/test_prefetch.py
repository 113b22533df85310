"""The bounded read-ahead thread: order, bounded look-ahead, errors and early stops."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from service.audience.prefetch import prefetch


def test_items_arrive_in_order() -> None:
    """Every item, in order."""
    assert list(prefetch(iter(range(100)), depth=3)) == list(range(100))


def test_producer_errors_surface_in_the_consumer() -> None:
    """An exception while producing is raised where the items are consumed."""

    def broken() -> Iterator[int]:
        yield 1
        raise ValueError("bad line 7")

    with pytest.raises(ValueError, match="bad line 7"):
        list(prefetch(broken()))


def test_look_ahead_is_bounded_and_stopping_early_ends_the_thread() -> None:
    """The producer is never more than depth+1 items ahead; breaking out joins the thread."""
    produced: list[int] = []

    def counting() -> Iterator[int]:
        for i in range(10_000):
            produced.append(i)
            yield i

    before = threading.active_count()
    stream = prefetch(counting(), depth=2)
    assert next(stream) == 0
    stream.close()
    assert len(produced) <= 5
    assert threading.active_count() == before
