"""`digest send`, `run` and `status`: the daily digest, now or on schedule."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from digest.cli.common import Context, handle_errors, now_utc, progress_for

log = logging.getLogger("digest")


@click.command()
@click.option(
    "--user",
    "users",
    multiple=True,
    metavar="USER",
    help="Only this reader (repeatable). Default: every reader.",
)
@click.option("--dry-run", is_flag=True, help="Build and list the digests; send and mark nothing.")
@click.option(
    "--to-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write each message as DIR/<id>.eml instead of sending it by SMTP. With --dry-run the "
    "files are written and nothing is recorded; without it, writing the file counts as delivery.",
)
@click.pass_obj
@handle_errors
def send(obj: Context, users: tuple[str, ...], dry_run: bool, to_dir: Path | None) -> None:
    """Build every reader's digest, queue it in the outbox, and deliver what is due.

    A paper counts as sent only once the server accepted the message, so nobody gets the
    same paper twice. Passing failures (4xx, a server that is down or hangs up) are retried
    later with growing waits; each run also retries the messages whose time has come.
    A 5xx refusal is final: the message is marked failed with the server's reply.

    \b
    Example:
      digest send --dry-run
      digest send --user ada
      digest send --dry-run --to-dir preview-mail   # look at the .eml files, record nothing
    """
    from digest.compose.outgoing import prepare
    from digest.compose.render import Renderer
    from digest.daemon.lock import RunLock
    from digest.deliver.delivery import sender_factory
    from digest.deliver.queue import send_digests
    from digest.deliver.retention import prune
    from digest.deliver.transports import Envelope, FileSender
    from digest.errors import DeliveryError
    from digest.profiles.load import load_profile, load_profiles
    from digest.select.digests import build_digests
    from digest.store import Store

    config = obj.config
    profiles = [load_profile(config, u) for u in users] if users else load_profiles(config)
    now = now_utc()
    with RunLock(config.database).acquire("digest send"), Store(config.database) as store:
        digests = build_digests(store, profiles, config=config)
        if dry_run:
            renderer = Renderer(config.templates) if to_dir else None
            for d in digests:
                line = f"{d.profile.user:<16} {d.profile.email:<32} {len(d.matches):>3} papers"
                if to_dir and renderer and d.matches:
                    out = prepare(config, d, renderer, now)
                    profile = d.profile
                    env = Envelope(out.message_id, profile.user, config.smtp.sender, profile.email, out.data)
                    line += f"  {FileSender(to_dir).send(env).reply}"
                click.echo(line)
            click.echo("Dry run: nothing was sent.")
            return
        sender = sender_factory(config, to_dir)
        outcomes = send_digests(config, store, digests, sender, now, progress=progress_for(obj))
        prune(store, now, config.delivery.keep_days)
    if not outcomes and not any(d.matches for d in digests):
        click.echo("Nothing new to send.")
        return
    for o in outcomes:
        if o.ok:
            status = "sent"
        elif o.retry_at:
            status = f"deferred until {o.retry_at:%Y-%m-%d %H:%M} UTC: {o.reply}"
        else:
            status = f"FAILED: {o.reply}"
        click.echo(f"{o.user:<16} {o.email:<32} {o.papers:>3} papers  {status}")
    for d in digests:
        if not d.matches:
            click.echo(f"{d.profile.user:<16} {d.profile.email:<32}   0 papers  nothing new")
    if outcomes and all(o.unreachable for o in outcomes):
        first = min(o.retry_at for o in outcomes if o.retry_at) if any(o.retry_at for o in outcomes) else None
        when = f" from {first:%Y-%m-%d %H:%M} UTC" if first else ""
        raise DeliveryError(
            f"{outcomes[0].reply.removeprefix('not tried: ')}; {len(outcomes)} digest(s) wait in the "
            f"outbox and are retried{when} by the next `digest send` or scheduler tick"
        )
    if any(not o.ok for o in outcomes):
        sys.exit(1)


@click.command()
@click.option("--once", is_flag=True, help="Do one pass of the work and exit (for cron or timers).")
@click.pass_obj
@handle_errors
def run(obj: Context, once: bool) -> None:
    """Run the daemon: pick up new dumps and send each reader's digest at their local time.

    Every scheduler.poll_seconds it ingests the settled dumps in the inbox, queues the digest
    of every reader whose send time has come, and delivers what is due. One daemon per
    database (a lock); SIGTERM or Ctrl-C finish the message in flight and exit.

    \b
    Example:
      digest run
      digest run --once        # from cron: */5 * * * * digest --config /etc/digest.yaml run --once
    """
    from digest.daemon.service import Daemon

    logging.getLogger("digest").setLevel(logging.INFO)  # the daemon logs one line per event
    daemon = Daemon(obj.config, clock=now_utc)
    if once:
        report = daemon.run_once()
        click.echo(daemon.describe(report))
    else:
        click.echo(f"digest daemon started (pid {os.getpid()}); Ctrl-C to stop", err=True)
        daemon.serve()
        click.echo("digest daemon stopped", err=True)


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
