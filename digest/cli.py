"""The command line: parse, call the library, print. No logic lives here."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from digest import __version__
from digest.atomic import write_atomic
from digest.cli_common import Context, handle_errors, now_utc
from digest.cli_profile import profile

log = logging.getLogger("digest")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    envvar="DIGEST_CONFIG",
    help="Configuration file (default: $DIGEST_CONFIG, else ./config.yaml).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log what happens, one line per event.")
@click.option(
    "--semantic/--no-semantic",
    default=None,
    help="Blend in semantic matching (needs digest[semantic]), or not; default: as the config says.",
)
@click.version_option(__version__, prog_name="digest")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, verbose: bool, semantic: bool | None) -> None:
    """Personalized email digests from daily listings of trending research papers.

    \b
    Try it with no setup at all:
      digest demo
    Then, with your own config.yaml (see config.example.yaml):
      digest ingest && digest send
    """
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    ctx.obj = Context(config_path, semantic)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.pass_obj
@handle_errors
def ingest(obj: Context, paths: tuple[Path, ...]) -> None:
    """Read listing dumps into the database (default: every dump in the inbox).

    A dump is stored whole or not at all; a dump seen before adds nothing. Dumps taken from
    the inbox move to inbox/processed/, unreadable ones to inbox/failed/ with the reason in
    NAME.error.txt beside them; dumps named on the command line stay where they are.

    \b
    Example:
      digest ingest
      digest ingest ~/Downloads/2026-03-14.txt
    """

    from digest.lock import RunLock
    from digest.pipeline import ingest as run_ingest
    from digest.pipeline import ingest_inbox
    from digest.store import Store

    config = obj.config
    with Store(config.database) as store:
        if paths:
            report = run_ingest(store, list(paths), now_utc())
        else:  # the inbox is the daemon's: not while it runs
            with RunLock(config.database).acquire("digest ingest"):
                report, _ = ingest_inbox(store, config.inbox, now_utc(), dt.timedelta(0))
        totals = store.counts()
    if not report.results and not report.failures:
        click.echo(f"No dumps in {config.inbox}.")
    for r in report.results:
        if r.already_ingested:
            click.echo(f"{r.source}: {r.day} already ingested, nothing new")
        else:
            click.echo(
                f"{r.source}: {r.day}, {r.entries} entries: "
                f"{r.new_papers} new papers, {r.known_papers} already known"
            )
    for f in report.failures:
        click.secho(f"rejected: {f.error}", fg="red", err=True)
    click.echo(f"The database holds {totals['papers']} papers from {totals['listings']} listings.")
    if report.failures:
        sys.exit(1)


@main.command()
@click.argument("user")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, best first.")
@click.option(
    "--limit", type=click.IntRange(min=1), default=20, show_default=True, help="How many papers to show."
)
@click.pass_obj
@handle_errors
def rank(obj: Context, user: str, as_json: bool, limit: int) -> None:
    """Rank every stored paper for USER, with the keywords behind each score.

    \b
    Example:
      digest rank ada --limit 5
      digest rank ada --json | jq '.[0]'
    """
    from digest.pipeline import rank_all
    from digest.profiles import load_profile
    from digest.store import Store

    config = obj.config
    profile = load_profile(config, user)
    with Store(config.database) as store:
        matches = rank_all(store, profile, limit, config)
    if as_json:
        rows = [
            {
                "id": m.paper.id,
                "title": m.paper.title,
                "score": m.score,
                "matches": list(m.keywords),
                "first_seen": m.paper.first_seen.isoformat(),
                "hits": [
                    {"keyword": h.keyword, "field": h.field, "start": h.start, "end": h.end} for h in m.hits
                ],
            }
            for m in matches
        ]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not matches:
        click.echo(f"No stored paper matches {user}'s interests.")
        return
    for i, m in enumerate(matches, 1):
        click.echo(f"{i:>3}. {m.score:7.3f}  {m.paper.title}")
        click.echo(f"              matched: {', '.join(m.keywords)}")


@main.command()
@click.argument("user")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the HTML (default: preview-USER.html, unless --text or --open alone).",
)
@click.option("--open", "open_it", is_flag=True, help="Open the HTML in the default browser.")
@click.option("--text", "as_text", is_flag=True, help="Print the plain-text part to the terminal.")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="DAY",
    help="As of a past listing day (YYYY-MM-DD): only papers listed on or before DAY.",
)
@click.pass_obj
@handle_errors
def preview(obj: Context, user: str, out: Path | None, open_it: bool, as_text: bool, day: Any) -> None:
    """Show the digest USER would get now, without sending or marking anything.

    Same papers, templates and CSS inlining as `digest send`. With --date, only papers
    listed on or before that day count; papers the reader was already sent are left out,
    as for `digest send`.

    \b
    Example:
      digest preview ada --out ada.html
      digest preview ada --text --date 2026-03-14
      digest preview ada --open
    """
    from digest.preview import open_in_browser
    from digest.preview import preview as build_preview

    config = obj.config
    outgoing = build_preview(config, user, now_utc(), up_to=day.date() if day else None)
    if outgoing.digest.profile.paused:
        click.secho(f"note: {user} is paused: `digest send` sends them nothing.", fg="yellow", err=True)
    if as_text:
        click.echo(outgoing.rendered.text, nl=False)
    if out is None and (open_it or not as_text):
        out = Path(tempfile.gettempdir()) / f"digest-preview-{user}.html" if open_it else None
        out = out or Path(f"preview-{user}.html")
    if out is not None:
        write_atomic(out, outgoing.rendered.html)
        click.echo(f"{outgoing.rendered.subject}\nWrote {out}", err=as_text)
    if open_it and out is not None and not open_in_browser(out):
        click.echo(f"No browser found: open {out} yourself.", err=True)


@main.command()
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
    from digest.delivery import sender_factory
    from digest.errors import DeliveryError
    from digest.lock import RunLock
    from digest.mail import Envelope, FileSender
    from digest.pipeline import build_digests, prepare, send_digests
    from digest.profiles import load_profile, load_profiles
    from digest.render import Renderer
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
        outcomes = send_digests(config, store, digests, sender_factory(config, to_dir), now)
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


@main.command()
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
    from digest.scheduler import Daemon

    logging.getLogger("digest").setLevel(logging.INFO)  # the daemon logs one line per event
    daemon = Daemon(obj.config, clock=now_utc)
    if once:
        report = daemon.run_once()
        click.echo(daemon.describe(report))
    else:
        click.echo(f"digest daemon started (pid {os.getpid()}); Ctrl-C to stop", err=True)
        daemon.serve()
        click.echo("digest daemon stopped", err=True)


@main.command()
@click.pass_obj
@handle_errors
def status(obj: Context) -> None:
    """Show the last ingest, each reader's last and next digest, and what failed or waits.

    \b
    Example:
      digest status
    """
    from digest.status import collect_status, format_status

    click.echo(format_status(collect_status(obj.config, now_utc())))


@main.command()
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("digest-demo"),
    show_default=True,
    help="Where to put the demo.",
)
@handle_errors
def demo(folder: Path) -> None:
    """Run the whole pipeline on sample data with a built-in mail server: no setup needed.

    \b
    Example:
      digest demo
      digest demo --dir /tmp/try-digest
    """
    from digest.demo import run_demo

    result = run_demo(folder, now_utc())
    click.echo(f"Demo folder: {result.folder}")
    for r in result.ingest.results:
        click.echo(
            f"  ingested {r.source.name}: {r.day}, {r.new_papers} new papers, {r.known_papers} already known"
        )
    click.echo("")
    click.echo(f"  {'reader':<10} {'email':<22} {'papers':>6}  result")
    for o in result.outcomes:
        click.echo(f"  {o.user:<10} {o.email:<22} {o.papers:>6}  {'delivered' if o.ok else o.reply}")
    click.echo("")
    click.echo(f"The local SMTP server received {len(result.saved)} messages. Open them:")
    for _recipient, eml, html in result.saved:
        click.echo(f"  {html}   ({eml.name})")
    click.echo(f"Then try: digest --config {result.folder / 'config.yaml'} rank ada")


@main.command()
@click.option("--host", help="Address to listen on (default: web.host, else 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: web.port, else 8025).")
@click.pass_obj
@handle_errors
def serve(obj: Context, host: str | None, port: int | None) -> None:
    """Serve the preferences pages, one-click unsubscribe and live previews (Flask).

    Listens on loopback unless told otherwise. Without web.secret_env, a random secret
    signs the links for this run only (fine for local previews; emails need the real one).

    \b
    Example:
      digest serve
      DIGEST_SECRET=$(openssl rand -hex 32) digest serve --host 0.0.0.0 --port 8080
    """
    from digest.profiles import load_profiles
    from digest.tokens import Signer
    from digest.web import create_app

    config = obj.config
    host = host or config.web.host
    port = port or config.web.port
    signer = Signer.from_config(config)
    if signer is None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            from digest.errors import ConfigError

            raise ConfigError(
                "web.secret_env is not set: serving beyond loopback needs a signing secret "
                "(set web.secret_env: DIGEST_SECRET in the config and export DIGEST_SECRET)"
            )
        signer = Signer.ephemeral()
        click.secho("note: no web.secret_env: links are signed with a random secret for this run.", err=True)
    app = create_app(config, signer, now_utc)
    local = f"http://{'[::1]' if host == '::1' else host}:{port}"
    click.echo(f"Serving on {local}  (Ctrl-C to stop). Each reader's page:")
    for p in load_profiles(config):
        click.echo(f"  {p.user:<16} {local}/u/{signer.token(p.user)}")
    app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)


main.add_command(profile)

if __name__ == "__main__":
    main()
