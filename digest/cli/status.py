"""`digest status`: what is stored, what each reader gets next, and what failed or waits."""

from __future__ import annotations

import click

from digest.cli.common import Context, handle_errors, now_utc


@click.command()
@click.pass_obj
@handle_errors
def status(obj: Context) -> None:
    """Show the last ingest, each reader's last and next digest, and what failed or waits.

    \b
    Example:
      digest status
    """
    from digest.daemon.status import collect_status, format_status

    click.echo(format_status(collect_status(obj.config, now_utc())))
