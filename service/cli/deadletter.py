"""`newsdesk deadletter ...`: failed work kept for inspection and replay."""

from __future__ import annotations

import typer
from rich.table import Table

from service.cli.support import JsonOption, console, print_json, user_errors

deadletter_app = typer.Typer(help="Failed work kept for replay.", no_args_is_help=True)


@deadletter_app.command("list")
def deadletter_list(as_json: JsonOption = False) -> None:
    """Dead letters not yet replayed."""
    from service.campaigns.queries import dead_letters

    if as_json:
        print_json([row.model_dump() for row in dead_letters()])
        return
    table = Table("id", "task", "args", "error")
    for row in dead_letters():
        table.add_row(str(row.id), row.task, str(row.args), row.error.strip().splitlines()[-1][:80])
    console.print(table)


@deadletter_app.command("replay")
def deadletter_replay(letter_id: int) -> None:
    """Enqueue a dead letter's task again with the same arguments."""
    from service.campaigns.queries import mark_dead_letter_replayed
    from workers.publish import replay_task

    with user_errors():
        call = mark_dead_letter_replayed(letter_id)
    replay_task(call.task, args=call.args, kwargs=call.kwargs)
    console.print(f"replayed {letter_id} as {call.task}")
