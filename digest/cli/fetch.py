"""`digest fetch`: fetch the configured sources now."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from digest.cli.common import BUG, Context, debugging, echo, handle_errors, now_utc, progress_for
from digest.files import disk_fix

if TYPE_CHECKING:
    from digest.config import Config
    from digest.ingest.fetch_records import FetchRecord


@click.command()
@click.option("--source", "names", multiple=True, metavar="NAME", help="Only this source (repeatable).")
@click.pass_obj
@handle_errors
def fetch(obj: Context, names: tuple[str, ...]) -> None:
    """Fetch the sources listed under `sources:` in the config now, and ingest what they hold.

    Each document is saved in the inbox and read from there like a dropped dump: one that
    cannot be read lands in inbox/failed/ with the reason. A day with no announcements
    (a weekend) is "nothing new", not an error. A try that fails (a server down, a timeout) is
    said on stderr as it happens, with the wait before the next; offline (a name that does not
    exist, a network unreachable), a source is tried once (twice, a second apart, where the
    resolver failed for now). A daily papers source (`hf_daily`, its address asking for `{date}`)
    first asks for the days before its own that it never asked for, or that failed (the daemon
    not running that day; a week back at most), each said in its line. The daemon (`digest run`)
    fetches on its own before the readers' send times, and `digest send` those due before it sends.

    \b
    Example:
      digest fetch
      digest fetch --source hf_daily
    """
    from digest.daemon.claims import singleton
    from digest.daemon.fetching import fetch_alive
    from digest.daemon.lock import AlreadyRunning, RunLock
    from digest.errors import ConfigError, DigestError
    from digest.ingest.fetch import FAILED, InboxNotWritten
    from digest.ingest.fetch_all import fetch_all
    from digest.ingest.fetch_records import last_fetches
    from digest.ingest.http import Http
    from digest.store import Store

    config = obj.config
    if not config.sources:
        from digest.config_missing import example_config

        raise ConfigError(f"{config.path}: no `sources:` to fetch; see {example_config()} for examples")
    unknown = sorted(set(names) - {s.name for s in config.sources})
    if unknown:
        known = ", ".join(s.name for s in config.sources)
        raise ConfigError(f"no source named {', '.join(unknown)} in {config.path} (sources: {known})")
    lock = RunLock(config.database).acquire("digest fetch")  # the inbox is the daemon's: not while it runs
    with (
        lock,
        Store(config.database) as store,
        Http(offline_once=True) as http,
        singleton(store, "fetch", alive=fetch_alive(config)) as mine,  # alive: how long it may be quiet
    ):
        if not mine:  # PostgreSQL: a worker is fetching right now
            raise AlreadyRunning("a digest worker is fetching the sources right now; try again shortly")
        now = now_utc()
        try:
            outcomes = fetch_all(  # each said once, in its line below; a try that failed as it happens
                config,
                store,
                http,
                now,
                names,
                progress_for(obj),
                say_bugs=debugging(),
                say_failures=False,
                retrying=None if obj.quiet else say_retry,
            )
        except InboxNotWritten as e:  # full, read-only (its fetch recorded as failed); another OSError: a bug
            # the source it stopped at, by name (a catch-up's record is made before the fetch began), and
            # those failed before it in this fetch (their own day's, at ``now``): their lines not said else
            since = now.replace(microsecond=0)  # as the store keeps it
            stopped = [
                r for r in last_fetches(store).values() if r.source == e.source or r.attempted_at >= since
            ]
            order = {s.name: n for n, s in enumerate(config.sources)}  # as their outcomes' lines would be
            stopped = sorted(
                (r for r in stopped if r.outcome == FAILED), key=lambda r: order.get(r.source, 0)
            )
            raise DigestError(not_saved(config, stopped, e)) from None
    for o in outcomes:
        bug = f" ({BUG})" if o.bug else ""  # its traceback logged with DIGEST_DEBUG=1 only
        echo(f"{o.source}: {o.told}{bug}")
    if any(o.outcome == FAILED for o in outcomes):
        raise SystemExit(1)


def not_saved(config: Config, stopped: list[FetchRecord], error: OSError) -> str:
    """What `digest fetch` says of a fetched document it could not save in the inbox (a full disk,
    a read-only inbox), with the sources it stopped at (``stopped``: recorded as failed as it did):
    their lines, as the outcomes' would be, and what to do. The fetch stops there, as a pass's does.
    (No import of digest.ingest.fetch here: a function of this module `digest serve` never calls.)"""
    lines = [f"{r.source}: failed: {r.detail}" for r in stopped]
    lines.append(f"{config.inbox}: {error.strerror or error}: {disk_fix(error, 'it')}, then fetch again")
    return "\n".join(lines)


def say_retry(source: str, what: str) -> None:
    """A try that failed and another that follows, as it happens (a server down: four tries of
    a source take half a minute): on stderr, as progress is; through ``sys.stderr`` as it is now,
    which is the bar's console while a bar is shown (the line printed above the bar, not after it
    on the bar's own line, as click's stderr, the terminal itself, would)."""
    echo(f"{source}: {what}", file=sys.stderr)
