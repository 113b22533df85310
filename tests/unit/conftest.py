"""Print the inbound corpus figures at the end of any run that included the corpus tests."""

from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Show the classifier's corpus figures (independent of -s)."""
    # Test reports only: "deselected" holds items (e.g. the corpus under -m "not slow").
    reports = [r for reps in terminalreporter.stats.values() for r in reps if hasattr(r, "outcome")]
    if not any("test_inbound_corpus" in r.nodeid and r.outcome != "skipped" for r in reports):
        return
    from tests.unit.corpus_figures import all_figures, label_counts, reply_timings

    terminalreporter.section("inbound corpus figures")
    for name, ratio in all_figures().items():
        terminalreporter.write_line(f"{name:>34}: {ratio}")
    for name, count in label_counts().items():
        terminalreporter.write_line(f"{name:>24}: {count}")
    for name, timing in reply_timings().items():
        terminalreporter.write_line(f"{name:>24}: {timing}")
