"""What every CLI module shares: one console, clear errors, the progress bar."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from service.errors import NewsdeskError

console = Console()


def fail(message: str) -> typer.Exit:
    """Print a clear error and exit 2 (no traceback for user errors)."""
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=2)


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
    """Turn NewsdeskError into a clear message and exit code 2."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, _tb: object
    ) -> None:
        if isinstance(exc, NewsdeskError):
            raise fail(str(exc))
