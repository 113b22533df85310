"""The importer's compact table of seen addresses: first line wins, growth keeps every entry."""

from __future__ import annotations

from service.audience.seen_addresses import SeenAddresses


def test_first_line_wins_across_growth() -> None:
    seen = SeenAddresses(capacity=16)
    for i in range(50_000):
        assert seen.first(f"reader{i}@example.org", i + 2) == i + 2
    assert len(seen) == 50_000 and len(seen.keys) >= 100_000  # at most half full
    assert seen.first("reader7@example.org", 99_999) == 9  # a duplicate names the first row
    assert seen.first("new@example.org", 5) == 5 and len(seen) == 50_001


def test_memory_per_address_is_compact() -> None:
    """12 bytes a slot, between a quarter and half full: under 50 bytes an address (dict: ~100)."""
    seen = SeenAddresses()
    for i in range(200_000):
        seen.first(f"r{i}@example.org", i)
    used = seen.keys.itemsize * len(seen.keys) + seen.lines.itemsize * len(seen.lines)
    assert used / len(seen) < 50
