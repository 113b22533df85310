"""A short soak of the embedded defaults (SQLite, filesystem broker): two workers and beat keep
going through back-to-back campaigns, inbound replies and tracking ticks. The long run is
`python -m bench.soak --minutes 30`."""

from __future__ import annotations

import pytest

from tests.acceptance.soak import soak
from tests.acceptance.stack import Stack

pytestmark = pytest.mark.slow


def test_embedded_broker_holds_through_campaigns_inbound_and_tracking(
    embedded_stack: Stack,
) -> None:
    figures = soak(embedded_stack, seconds=25, readers=20)
    assert figures.campaigns >= 2, figures
    assert (figures.duplicates, figures.missing) == (0, 0), figures
    assert figures.replies_sent > 0 and figures.replies_handed_off == figures.replies_sent
    for name in ("worker-a", "worker-b", "beat"):
        assert "Unrecoverable error" not in embedded_stack.log(name), embedded_stack.log(name)
    embedded_stack.check_alive()
