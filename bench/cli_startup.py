"""Benchmark: wall time of `newsdesk --help` and each sub-command's --help vs `python -c pass`.

Run: .venv/bin/python -m bench.cli_startup   (last line: help_ms=<a> bare_ms=<b> ratio=<c>)
Best of 7 runs each, fresh interpreters; the target is under 500 ms for every command.
"""

from __future__ import annotations

import subprocess
import sys
import time

NOUNS = ("campaign", "coordinator", "edition", "audience", "inbound", "report", "webhook")


def best_ms(command: list[str], runs: int = 7) -> float:
    """Fastest of `runs` wall-clock runs, in milliseconds."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    """Print one line per command, then the machine-readable summary."""
    bare = best_ms([sys.executable, "-c", "pass"])
    code = "import sys; from service.cli import app; app(sys.argv[1:], prog_name='newsdesk')"
    top = best_ms([sys.executable, "-c", code, "--help"])
    worst = top
    for noun in NOUNS:
        ms = best_ms([sys.executable, "-c", code, noun, "--help"])
        worst = max(worst, ms)
        print(f"newsdesk {noun} --help  {ms:6.0f} ms")
    print(f"newsdesk --help          {top:6.0f} ms   (python -c pass {bare:.0f} ms)")
    print(f"help_ms={top:.0f} worst_ms={worst:.0f} bare_ms={bare:.0f} ratio={top / bare:.1f}")


if __name__ == "__main__":
    main()
