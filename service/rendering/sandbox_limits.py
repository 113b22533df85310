"""Limits that keep a comms-team template from hanging a thread or exhausting memory.

The sandbox refuses escapes; these refuse work (issue 15, finding 6): widths and counts in
`format`, `center`, `indent`, `wordwrap`, `truncate` and str methods, `range` per call and per
render, no `lipsum`, a cap on output size, and at save time a trial render in a forked child
with a deadline and an address-space limit (a nested loop that produces nothing cannot be
stopped from inside the thread running it).
"""

from __future__ import annotations

import json
import os
import re
import resource
import select
import signal
import time
from collections.abc import Callable, Mapping
from typing import Any

from jinja2.exceptions import SecurityError

MAX_WIDTH = 10_000  # largest width/count a filter or str method may be asked for
MAX_RANGE = 1_000  # items of one range() call
MAX_OUTPUT_CHARS = 200_000  # an intro is a paragraph; an edition's whole HTML stays far below
TRIAL_DEADLINE_S = 2.0
TRIAL_EXTRA_MEMORY = 256 * 1024 * 1024
# widths and precisions in printf-style (%0900d, %.9e) and str.format ({:>900}) specs
_SPEC_NUMBERS = re.compile(r"%[-+ #0*]*(\d*)(?:\.(\d+))?|\{[^{}]*:[^{}]*?(\d+)(?:\.(\d+))?[^{}]*\}")
_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs", "format"})


def check_numbers(
    where: str, args: tuple[Any, ...], kwargs: Mapping[str, Any], *, spec: str | None = None
) -> None:
    """Refuse an int argument, or a width in the format string `spec`, above MAX_WIDTH."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_WIDTH:
            raise SecurityError(f"{where}: {value} is larger than {MAX_WIDTH}")
    if spec is not None:
        for groups in _SPEC_NUMBERS.findall(spec):
            big = next((n for n in groups if n and int(n) > MAX_WIDTH), None)
            if big is not None:
                raise SecurityError(f"{where}: width {big} is larger than {MAX_WIDTH}")


def capped_filter(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that refuses huge widths before doing the work."""

    def capped(*args: Any, **kwargs: Any) -> Any:
        values = [a for a in args if isinstance(a, str)]
        spec = values[0] if name == "format" and values else None
        check_numbers(f"filter {name}", args, kwargs, spec=spec)
        return original(*args, **kwargs)

    capped.__name__ = getattr(original, "__name__", name)
    for attr in ("jinja_pass_arg",):  # keep eval-context/environment passing of the original
        if hasattr(original, attr):
            setattr(capped, attr, getattr(original, attr))
    return capped


def check_call(obj: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """str methods that take widths or format specs get the same caps as the filters."""
    name = getattr(obj, "__name__", "")
    # the sandbox hands out str.format wrapped (functools.update_wrapper keeps __wrapped__)
    owner = getattr(obj, "__self__", None) or getattr(
        getattr(obj, "__wrapped__", None), "__self__", None
    )
    if name in _WIDTH_METHODS and isinstance(owner, str):
        check_numbers(f"str.{name}", args, kwargs, spec=owner if name == "format" else None)


def capped_range(*args: int) -> range:
    """range() with at most MAX_RANGE items."""
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise SecurityError(f"range of {len(rng)} items is larger than {MAX_RANGE}")
    return rng


def _memory_limit() -> None:
    """In the child: this process's current address space plus a margin, no more."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[0])
    limit = pages * resource.getpagesize() + TRIAL_EXTRA_MEMORY
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run_with_deadline(work: Callable[[], str | None], *, deadline_s: float) -> str | None:
    """Run `work` in a forked child; its problem text (None = fine) or a deadline message."""
    problem = _in_child(lambda: {"problem": work()}, deadline_s=deadline_s)["problem"]
    return None if problem is None else str(problem)


def render_with_deadline(work: Callable[[], str], *, deadline_s: float) -> tuple[str, str | None]:
    """Run a render in a forked child: (output, None), or ("", why it was refused)."""

    def child() -> dict[str, str | None]:
        return {"output": work(), "problem": None}

    result = _in_child(child, deadline_s=deadline_s)
    return str(result.get("output") or ""), result["problem"]


def _in_child(work: Callable[[], dict[str, Any]], *, deadline_s: float) -> dict[str, Any]:
    """Fork, limit the child's memory, run `work`; its JSON result, or {"problem": why not}."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(read_end)
        try:
            _memory_limit()
            outcome = work()
        except MemoryError:
            outcome = {"problem": "the template needs too much memory"}
        except BaseException as exc:
            outcome = {"problem": f"{type(exc).__name__}: {exc}"}
        try:
            payload = json.dumps(outcome).encode()
        except MemoryError:
            payload = b'{"problem": "the template needs too much memory"}'
        view = memoryview(payload)
        while view:
            view = view[os.write(write_end, view) :]
        os._exit(0)
    os.close(write_end)
    try:
        return _await_child(pid, read_end, deadline_s)
    finally:
        os.close(read_end)


def _await_child(pid: int, read_end: int, deadline_s: float) -> dict[str, Any]:
    """Read the child's result; kill it at the deadline."""
    deadline, chunks = time.monotonic() + deadline_s, []
    while True:
        remaining = deadline - time.monotonic()
        ready = select.select([read_end], [], [], max(remaining, 0))[0] if remaining > 0 else []
        if not ready:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return {"problem": f"rendering took longer than {deadline_s:g} s"}
        chunk = os.read(read_end, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.waitpid(pid, 0)
    if not chunks:
        return {"problem": "rendering failed (the trial render was killed)"}
    result = json.loads(b"".join(chunks))
    return result if isinstance(result, dict) else {"problem": "rendering failed"}
