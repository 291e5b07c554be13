"""The command line: parse, call the library, print. No logic lives here."""

from __future__ import annotations

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
from digest.config import Config, find_config_path, load_config
from digest.errors import DigestError

log = logging.getLogger("digest")


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Context:
    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(find_config_path(self.config_path))
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
@click.version_option(__version__, prog_name="digest")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, verbose: bool) -> None:
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
    ctx.obj = Context(config_path)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.pass_obj
@handle_errors
def ingest(obj: Context, paths: tuple[Path, ...]) -> None:
    """Read listing dumps into the database (default: every dump in the inbox).

    A dump is stored whole or not at all; a dump seen before adds nothing.

    \b
    Example:
      digest ingest inbox/2026-03-14.txt
    """
    from digest.pipeline import inbox_files
    from digest.pipeline import ingest as run_ingest
    from digest.store import Store

    config = obj.config
    files = list(paths) or inbox_files(config.inbox)
    if not files:
        click.echo(f"No dumps in {config.inbox}.")
        return
    with Store(config.database) as store:
        report = run_ingest(store, files, now_utc())
        totals = store.counts()
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
        matches = rank_all(store, profile, limit)
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
    help="Where to write the HTML (default: preview-USER.html).",
)
@click.pass_obj
@handle_errors
def preview(obj: Context, user: str, out: Path | None) -> None:
    """Write the HTML digest USER would get now, without sending or marking anything.

    \b
    Example:
      digest preview ada --out ada.html
    """
    from digest.pipeline import build_digests, prepare
    from digest.profiles import load_profile
    from digest.render import Renderer
    from digest.store import Store

    config = obj.config
    profile = load_profile(config, user)
    with Store(config.database) as store:
        (digest,) = build_digests(store, [profile])
    outgoing = prepare(config, digest, Renderer(config.templates), now_utc())
    out = out or Path(f"preview-{user}.html")
    write_atomic(out, outgoing.rendered.html)
    click.echo(f"{outgoing.rendered.subject}\nWrote {out}")


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
    from digest.mail import Envelope, FileSender
    from digest.pipeline import build_digests, prepare, send_digests
    from digest.profiles import load_profile, load_profiles
    from digest.render import Renderer
    from digest.store import Store

    config = obj.config
    profiles = [load_profile(config, u) for u in users] if users else load_profiles(config)
    now = now_utc()
    with Store(config.database) as store:
        digests = build_digests(store, profiles)
        if dry_run:
            renderer = Renderer(config.templates) if to_dir else None
            for d in digests:
                line = f"{d.profile.user:<16} {d.profile.email:<32} {len(d.matches):>3} papers"
                if to_dir and renderer and d.matches:
                    out = prepare(config, d, renderer, now)
                    data = out.message.as_bytes(policy=out.message.policy.clone(linesep="\r\n"))
                    env = Envelope(out.message_id, d.profile.user, config.smtp.sender, d.profile.email, data)
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


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


if __name__ == "__main__":
    main()
