"""`newsdesk --help` and every sub-command's --help start fast: no heavy module is imported.

Each check runs the real CLI in a fresh interpreter and lists what it imported; the time is a
ratio against importing the heavy stack in the same run (no wall-clock bound).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

HEAVY = (
    "celery", "kombu", "fastapi", "starlette", "uvicorn", "premailer", "cssutils", "lxml",
    "sqlalchemy", "sqlmodel", "psycopg", "alembic", "html2text", "babel", "aiosmtpd",
    "dkim", "cryptography", "service.models", "service.db", "service.audience.importer",
    "service.campaigns", "service.reports", "service.rendering.edition",
)  # fmt: skip
NOUNS = (
    "campaign", "coordinator", "edition", "audience", "inbound", "report", "webhook", "dkim",
    "deadletter", "db", "dns",
)  # fmt: skip
PROBE = """
import sys, json
from service.cli import app
try:
    app(sys.argv[1:], prog_name="newsdesk")
except SystemExit:
    pass
print("\\n" + json.dumps(sorted(sys.modules)))
"""


def _modules(*args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=60
    )
    assert "Usage" in done.stdout, done.stdout + done.stderr
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]


@pytest.mark.parametrize("args", [("--help",), *((noun, "--help") for noun in NOUNS)])
def test_help_imports_no_heavy_module(args: tuple[str, ...]) -> None:
    assert _heavy(_modules(*args)) == []


def _best_of(command: list[str], runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, timeout=60)
        best = min(best, time.perf_counter() - start)
    return best


def test_help_costs_a_fraction_of_the_heavy_stack() -> None:
    """`newsdesk --help` under half the cost of merely importing what it used to import.

    Both are measured in this run on this box (a ratio, not a wall-clock bound): a regression
    that pulls the ORM, FastAPI, Celery or premailer back into start-up lands above 1.
    """
    heavy = "import sqlalchemy, sqlmodel, fastapi, celery, premailer, service.models"
    stack = _best_of([sys.executable, "-c", heavy])
    cli = _best_of([sys.executable, "-c", "from service.cli import app; app(['--help'])"])
    bare = _best_of([sys.executable, "-c", "pass"])
    print(
        f"\ncli --help {cli * 1000:.0f} ms, heavy imports {stack * 1000:.0f} ms, "
        f"python -c pass {bare * 1000:.0f} ms, ratio {cli / stack:.2f}"
    )
    assert cli / stack < 0.5
