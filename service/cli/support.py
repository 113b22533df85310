"""What every CLI module shares: one console, clear errors, the progress bar."""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from service.errors import NewsdeskError

console = Console()
# Exit codes: 1 for a user error (bad value, missing thing, wrong state), 2 for a usage error
# (unknown option, missing argument), which click reports itself.
USER_ERROR = 1


def fail(message: str) -> typer.Exit:
    """Print a clear error and exit 1 (no traceback for user errors)."""
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=USER_ERROR)


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def print_json(value: Any) -> None:
    """Machine-readable output: dataclasses as objects, datetimes as ISO strings."""
    typer.echo(json.dumps(_plain(value), default=str, ensure_ascii=False))


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def progress_bar() -> Progress:
    """A bar with count and elapsed time, for long CLI work."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


class user_errors:
    """Turn NewsdeskError into a clear message and exit code 1."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, _tb: object
    ) -> None:
        if isinstance(exc, NewsdeskError):
            raise fail(str(exc))
