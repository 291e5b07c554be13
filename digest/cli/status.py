"""`digest status`: what is stored, what each reader gets next, and what failed or waits."""

from __future__ import annotations

import click

from digest.cli.common import Context, echo, handle_errors, now_utc


@click.command()
@click.option(
    "--queued",
    is_flag=True,
    help="List every message waiting to be sent, one line each, oldest first (status lists 20).",
)
@click.option(
    "--readers",
    "every_reader",
    is_flag=True,
    help="A line for every reader (past 50, status sums them up and lists those needing attention).",
)
@click.pass_obj
@handle_errors
def status(obj: Context, queued: bool, every_reader: bool) -> None:
    """Show the last ingest, each reader's last and next digest, and what failed or waits.

    \b
    Example:
      digest status
      digest status --queued | grep 'last reply: 451'
      digest status --readers | less
    """
    from digest.daemon.status import collect_status, format_status, queued_line

    if queued:  # every one, printed as read: thousands, a line each, no more memory than one
        from digest.deliver.outbox import QUEUED, Outbox
        from digest.store import Store

        with Store(obj.config.database, readonly=True) as store:
            for m in Outbox(store).each_entry(QUEUED):
                echo(queued_line(m))
        return
    echo(format_status(collect_status(obj.config, now_utc()), every_reader))
