"""The command line: parse, call the library, print. No logic lives here."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from digest import __version__
from digest.atomic import write_atomic
from digest.config import Config, SemanticConfig, find_config_path, load_config
from digest.errors import DigestError

log = logging.getLogger("digest")


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Context:
    def __init__(self, config_path: str | None, semantic: bool | None = None) -> None:
        self.config_path = config_path
        self.semantic = semantic  # --semantic / --no-semantic override the config
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            config = load_config(find_config_path(self.config_path))
            if self.semantic is not None:
                semantic = (config.semantic or SemanticConfig()) if self.semantic else None
                config = dataclasses.replace(config, semantic=semantic)
            self._config = config
        return self._config


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """DigestError -> one clear message and exit 1; anything else -> a short note, exit 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except DigestError as e:
            click.secho(f"error: {e}", fg="red", err=True)
            sys.exit(1)
        except BrokenPipeError:  # `digest ... | head`: the reader left; nothing to say
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except Exception as e:  # noqa: BLE001 - the last guard before a user sees a traceback
            if os.environ.get("DIGEST_DEBUG"):
                raise
            click.secho(
                f"internal error: {type(e).__name__}: {e}\n"
                "(set DIGEST_DEBUG=1 to see the traceback, and please report it)",
                fg="red",
                err=True,
            )
            sys.exit(2)

    return wrapper


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
    import datetime as dt

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


@main.group()
def profile() -> None:
    """Create, show and change reader profiles (comments and layout of the file are kept).

    Every change is validated like a hand edit and written atomically; an invalid change is
    refused and the file stays as it was.

    \b
    Example:
      digest profile new ada --email ada@example.org --interest "spiking neural networks"
      digest profile add ada neuromorphic --weight 2
      digest profile show ada
    """


def _saved(edited: Any, what: str) -> None:
    where = edited.profile.source
    click.echo(f"{what}; saved {where}" if edited.changed else f"No change to {where}.")


@profile.command("new")
@click.argument("user")
@click.option("--email", required=True, metavar="ADDR", help="Where the digests go.")
@click.option(
    "--interest",
    "-i",
    "interests",
    multiple=True,
    required=True,
    metavar="KEYWORD",
    help="A keyword or phrase (repeatable; at least one).",
)
@click.option("--name", help="The reader's name, for the greeting.")
@click.pass_obj
@handle_errors
def profile_new(obj: Context, user: str, email: str, interests: tuple[str, ...], name: str | None) -> None:
    """Create profiles/USER.yaml, with commented defaults to fill in.

    \b
    Example:
      digest profile new ada --email ada@example.org -i "spiking neural networks" -i neuromorphic
    """
    from digest.profile_edit import create_profile

    created = create_profile(obj.config, user, email, interests, name)
    click.echo(f"Created {created.source}")


@profile.command("show")
@click.argument("user")
@click.pass_obj
@handle_errors
def profile_show(obj: Context, user: str) -> None:
    """Show USER's profile as a readable table (defaults from the config filled in).

    \b
    Example:
      digest profile show ada
    """
    from digest.profiles import WEEKDAYS, load_profile

    p = load_profile(obj.config, user)
    when = {"daily": "every day", "weekdays": "Monday to Friday"}.get(p.frequency)
    when = when or f"every {WEEKDAYS[p.weekday].capitalize()}"
    rows = [
        ("user", p.user),
        ("name", p.name or "-"),
        ("email", p.email),
        ("schedule", f"{p.send_at:%H:%M} {p.timezone}, {when}"),
        ("max_papers", str(p.max_papers)),
        ("min_score", f"{p.min_score:g}"),
        ("paused", "yes (nothing is sent)" if p.paused else "no"),
        ("send_empty", "yes" if p.send_empty else "no"),
        ("exclude", ", ".join(p.exclude) or "-"),
    ]
    click.echo(f"{p.source}")
    for key, value in rows:
        click.echo(f"  {key:<11} {value}")
    width = max([len(i.phrase) for i in p.interests] + [8])
    click.echo(f"  {'interests':<11} {'keyword':<{width}}  weight")
    for i in p.interests:
        click.echo(f"  {'':<11} {i.phrase:<{width}}  {i.weight:g}")


@profile.command("add")
@click.argument("user")
@click.argument("keyword")
@click.option("--weight", type=float, help="How much it counts (default 1); changes the weight if present.")
@click.pass_obj
@handle_errors
def profile_add(obj: Context, user: str, keyword: str, weight: float | None) -> None:
    """Add KEYWORD to USER's interests, or change its weight with --weight.

    A list of keywords stays a list while every weight is 1; a weight other than 1 turns it
    into a mapping keyword -> weight (the other keywords get weight 1).

    \b
    Example:
      digest profile add ada "event cameras" --weight 2
    """
    from digest.profile_edit import add_interest, apply_edit

    edited = apply_edit(obj.config, user, lambda data, path: add_interest(data, keyword, weight, path))
    _saved(edited, f"{keyword!r} is in {user}'s interests" + (f" with weight {weight:g}" if weight else ""))


@profile.command("remove")
@click.argument("user")
@click.argument("keyword")
@click.pass_obj
@handle_errors
def profile_remove(obj: Context, user: str, keyword: str) -> None:
    """Remove KEYWORD from USER's interests (case and spacing do not matter).

    \b
    Example:
      digest profile remove ada neuromorphic
    """
    from digest.profile_edit import apply_edit, remove_interest

    edited = apply_edit(obj.config, user, lambda data, path: remove_interest(data, keyword, path))
    _saved(edited, f"Removed {keyword!r} from {user}'s interests")


@profile.command("exclude")
@click.argument("user")
@click.argument("term")
@click.option("--remove", is_flag=True, help="Stop excluding TERM.")
@click.pass_obj
@handle_errors
def profile_exclude(obj: Context, user: str, term: str, remove: bool) -> None:
    """Leave out papers that mention TERM (or, with --remove, stop leaving them out).

    \b
    Example:
      digest profile exclude ada medical
      digest profile exclude ada medical --remove
    """
    from digest.profile_edit import add_exclude, apply_edit, remove_exclude

    change = remove_exclude if remove else add_exclude
    edited = apply_edit(obj.config, user, lambda data, path: change(data, term, path))
    _saved(edited, f"{'No longer excluding' if remove else 'Excluding'} {term!r} for {user}")


@profile.command("set")
@click.argument("user")
@click.argument("key")
@click.argument("value")
@click.pass_obj
@handle_errors
def profile_set(obj: Context, user: str, key: str, value: str) -> None:
    """Set KEY to VALUE in USER's profile: name, email, timezone, send_at, max_papers,
    min_score, frequency, weekday, paused, send_empty.

    \b
    Example:
      digest profile set ada send_at 07:30
      digest profile set ada timezone Europe/Paris
      digest profile set ada frequency weekly && digest profile set ada weekday friday
    """
    from digest.profile_edit import apply_edit, set_key

    notes: list[str] = []
    edited = apply_edit(obj.config, user, lambda data, path: notes.extend(set_key(data, key, value, path)))
    for note in notes:
        click.echo(note)
    _saved(edited, f"{key} is {value!r} for {user}")


@profile.command("edit")
@click.argument("user")
@click.pass_obj
@handle_errors
def profile_edit(obj: Context, user: str) -> None:
    """Open USER's profile in $VISUAL or $EDITOR; save only if it is valid (like `crontab -e`).

    You edit a copy. If it is invalid, the problems are shown and you can re-open it; the
    real file is replaced only by a valid version.

    \b
    Example:
      EDITOR=nano digest profile edit ada
    """
    from digest.profile_edit import edit_in_editor, run_editor

    def ask(errors: str) -> bool:
        click.secho(errors, fg="red", err=True)
        return click.confirm("Re-open the editor?", default=True, err=True)

    edited = edit_in_editor(obj.config, user, run_editor, ask)
    click.echo(f"Saved {edited.source}" if edited else "No change.")


@profile.command("test")
@click.argument("user")
@click.argument("keyword")
@click.option("--weight", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True)
@click.option("--days", type=click.IntRange(min=1), default=30, show_default=True, help="How far back.")
@click.option("--show", type=click.IntRange(min=0), default=10, show_default=True, help="Papers to list.")
@click.pass_obj
@handle_errors
def profile_test(obj: Context, user: str, keyword: str, weight: float, days: int, show: int) -> None:
    """Try KEYWORD before keeping it: which recent papers it matches, and how USER's digest changes.

    Nothing is saved; `digest profile add` keeps it.

    \b
    Example:
      digest profile test ada "event cameras"
      digest profile test ada SNN --weight 2 --days 7
    """
    from digest.explore import try_keyword
    from digest.profiles import load_profile
    from digest.store import Store

    config = obj.config
    profile = load_profile(config, user)
    with Store(config.database) as store:
        trial = try_keyword(store, profile, keyword, weight, days, config)
    when = f"since {trial.since:%b} {trial.since.day}" if trial.since else "(no papers stored yet)"
    click.echo(f"{keyword!r} matches {len(trial.matches)} of {trial.candidates} papers {when}:")
    for i, m in enumerate(trial.matches[:show], 1):
        click.echo(f"  {i:>2}. {m.score:5.2f}  {m.paper.title}")
    if len(trial.matches) > show:
        click.echo(f"      ... and {len(trial.matches) - show} more")
    click.echo(f"\n{user}'s digest from these papers with {keyword!r} (weight {weight:g}):")
    position = {m.paper.id: i for i, m in enumerate(trial.after, 1)}
    for m in trial.added:
        click.echo(f"  + #{position[m.paper.id]:<2} {m.paper.title}")
    for m in trial.dropped:
        click.echo(f"  -     {m.paper.title}  (drops out)")
    if not trial.added and not trial.dropped:
        click.echo("  no change: the same papers as now")
    else:
        kept = len(trial.after) - len(trial.added)
        click.echo(f"  {kept} papers stay; {len(trial.after)} in all (at most {profile.max_papers})")


@profile.command("url")
@click.argument("user")
@click.pass_obj
@handle_errors
def profile_url(obj: Context, user: str) -> None:
    """Print USER's signed preferences link (the one in their emails).

    Needs base_url and web.secret_env in the config.

    \b
    Example:
      digest profile url ada
    """
    from digest.web import reader_url

    click.echo(reader_url(obj.config, user))


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


if __name__ == "__main__":
    main()
