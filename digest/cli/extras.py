"""`digest demo` and `digest serve`: the whole loop on sample data, and the preferences pages."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click

from digest.cli.common import BUG, Context, HomePath, debugging, echo, handle_errors, now_utc, secho
from digest.shell_text import shell_word

log = logging.getLogger("digest")


@click.command()
@click.option(
    "--dir",
    "folder",
    type=HomePath(file_okay=False, path_type=Path),
    metavar="DIR",  # as send's --to-dir DIR: no command names a folder DIRECTORY
    default=Path("digest-demo"),
    show_default=True,
    help="Where to put the demo.",
)
@handle_errors
def demo(folder: Path) -> None:
    """Run the whole pipeline on sample data with a built-in mail server: no setup needed.

    Sample dumps are ingested from the inbox, the sample daily papers JSON is fetched from a
    local HTTP server (papers known from a dump gain their authors and links), and every
    reader's digest goes through a local SMTP server. Nothing leaves this machine.

    \b
    Example:
      digest demo
      digest demo --dir /tmp/try-digest
    """
    from digest.demo import run_demo
    from digest.ingest import told

    program = invocation()  # before the demo replaces its folder, which may be the current one
    result = run_demo(folder, now_utc(), say_bugs=debugging())
    echo(f"Demo folder: {result.folder}")
    if result.replaced:
        echo("  (the previous demo there was replaced: the demo starts over each time; --dir keeps it)")
    alone = len(result.ingest.results) + len(result.ingest.failures) == 1
    for r in result.ingest.results:  # taken in from the demo's inbox: said as `digest ingest` says it
        echo(f"  {told.taken_in(r)}")
    for failure in result.ingest.failures:  # a reader's bug on a sample (a bad one would be ours too)
        secho(f"  {told.rejected(failure, BUG, alone=alone)}", fg="red", err=True)
    for f in result.fetched:
        bug = f" ({BUG})" if f.bug else ""
        echo(f"  fetched {f.source} from {f.url}: {f.said}{bug}")  # as `digest fetch` says it
    echo("")
    echo(f"  {'reader':<10} {'email':<22} {'papers':>6}  result")
    for o in result.outcomes:
        echo(f"  {o.user:<10} {o.email:<22} {o.papers:>6}  {'delivered' if o.ok else o.reply}")
    echo("")
    echo(f"The local SMTP server received {len(result.saved)} messages. Open them:")
    for _recipient, eml, html in result.saved:
        echo(f"  {html}   ({eml.name})")
    config = shell_word(str(result.folder / "config.yaml"))  # pasted into a shell as it is
    echo(f"Then try: {program} --config {config} rank ada")
    echo("")
    echo("The messages' links (More like this, Less like this, preferences, unsubscribe) open")
    echo(f"the readers' pages at {result.base_url}: serve them with (Ctrl-C to stop)")
    echo(f"  {program} --config {config} serve")


def invocation() -> str:
    """How to run digest again as it was run now, from any folder (the demo's commands are
    copied and pasted elsewhere): ``digest`` if that is the command on the PATH, else the whole
    path of the program it was run by (``/home/me/digest/.venv/bin/digest`` after the README's
    install, run as ``.venv/bin/digest``), quoted for a shell where it needs it (a space in a
    folder's name)."""
    script = Path(sys.argv[0])
    if script.name == "__main__.py":  # python -m digest
        return f"{shell_word(_whole(Path(sys.executable)))} -m digest"
    found = shutil.which("digest")
    if found and script.exists() and Path(found).resolve() == script.resolve():
        return "digest"
    return shell_word(_whole(script)) if script.exists() else "digest"


def _whole(path: Path) -> str:
    """``path`` from the root: the current folder joined to it and its ``..`` taken out, or, where
    that names another file or none (a ``..`` after a symbolic link), its real path."""
    try:
        whole = os.path.abspath(path)
        same = os.path.exists(whole) and os.path.samefile(whole, path)
        return whole if same else str(path.resolve())
    except OSError:  # the current folder is gone (the demo replaced it: --dir .)
        return str(path)


@click.command()
@click.option("--host", metavar="HOST", help="Address to listen on (default: web.host, else 127.0.0.1).")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    metavar="PORT",
    help="Port (default: web.port, else 8025); 0: any free port, said.",
)
@click.pass_obj
@handle_errors
def serve(obj: Context, host: str | None, port: int | None) -> None:
    """Serve the preferences pages, one-click unsubscribe and live previews (Flask app on
    the waitress WSGI server).

    Listens on loopback unless told otherwise. Without web.secret_env (or secret_file), a
    random secret signs the links for this run only (fine for local previews; emails need
    the real one). config.yaml is read again when it changes.

    \b
    Example:
      digest serve
      DIGEST_SECRET=$(openssl rand -hex 32) \\
          digest serve --host 0.0.0.0 --port 8080
      digest serve --port 0        # any free port: the one it listens on is said
    """
    import waitress

    from digest.cli.afresh import start_afresh_before_links
    from digest.cli.preload import preload
    from digest.profiles.load import load_profiles_lenient, skipped_line
    from digest.signing import Signer, add_secret_env
    from digest.web.app import create_app
    from digest.web.prefix import url_path

    preload("serve")  # what a page may import: this release's, whatever is installed later
    from digest.compose.jinja_env import damaged_install
    from digest.errors import ConfigError

    damaged = damaged_install("`digest serve` does not start")
    if damaged is not None:  # said once, before a reader meets a page without its file
        raise ConfigError(damaged)

    obj.anchor()  # its paths the same files, whatever becomes of the current folder
    config = obj.config
    host = host or config.web.host
    port_given = port is not None  # --port: the one to change, whatever web.port says
    port = config.web.port if port is None else port  # 0: any free one, the one bound said below
    signer = Signer.from_config(config)
    if signer is None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ConfigError(
                "web.secret_env (or web.secret_file) is not set: serving beyond loopback needs a "
                "signing secret "
                "(set web.secret_env: DIGEST_SECRET in the config and export DIGEST_SECRET)"
            )
        signer = Signer.ephemeral()
        # the variable config.example.yaml and this command's --help export, the config naming none:
        # a random secret all the same, said with the line that makes the exported one sign
        exported = (
            f" ($DIGEST_SECRET is set, but the config names no web.secret_env: {add_secret_env(config)} "
        )
        exported += "to sign them, and the emails' links, with it)"
        from digest.config_missing import example_config

        # with none exported: what the random secret means and the key that makes one that lasts
        lasting = ", and open nothing after it: for links that last, set web.secret_env"
        lasting += "" if config.base_url else " (and base_url, for the emails to carry them)"
        lasting += f": see `web:` in {example_config()}"
        secho(
            "note: no web.secret_env or secret_file: links are signed with a random secret for this run"
            + (exported if os.environ.get("DIGEST_SECRET") else lasting)
            + ".",
            err=True,
        )
    # config.yaml read again when it changes (digest.web.site), with this command line's --semantic
    app = create_app(config, signer, now_utc, reload=lambda: Context(str(config.path), obj.semantic).config)
    try:  # binds now: a port in use is said before any link is printed
        server = waitress.create_server(app, host=host, port=port, ident="digest", threads=8)
    except OSError as e:
        from digest.errors import DigestError

        why = e.strerror or str(e)
        hint = "is another `digest serve` running?"
        raise DigestError(f"cannot listen on {host}:{port}: {why} ({hint})") from None
    port = int(getattr(server, "effective_port", port))  # --port 0: the free one the system gave
    _check_store(config.database)
    local = f"http://{'[::1]' if host == '::1' else host}:{port}{url_path(config.base_url, quoted=True)}"
    elsewhere = _links_elsewhere(config.base_url, port, port_given)
    if elsewhere:
        secho(elsewhere, fg="yellow", err=True)
    echo(f"Serving on {local}  (Ctrl-C to stop). Each reader's page:")
    profiles, problems = load_profiles_lenient(config)
    for problem in problems:
        secho(skipped_line(config.profiles, problem), fg="red", err=True)
    start_afresh_before_links(config, profiles, now_utc(), "serve", "under a name given to a new file")
    now = now_utc()  # (after: a newcomer's link is signed past the removal's second)
    for p in profiles:
        echo(f"  {p.user:<16} {local}/u/{signer.token(p.user, now)}")
    try:
        server.run()
    finally:
        server.close()


def _links_elsewhere(base_url: str | None, port: int, port_given: bool = False) -> str | None:
    """A note when the emails' links (``base_url``) name this machine's loopback at another port
    than the one served: clicked, they reach nothing (a proxy elsewhere is another host). The
    port to change is --port's where it was given (it overrides web.port), else web.port."""
    parts = urlsplit(base_url or "")
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        return None
    linked = parts.port or (443 if parts.scheme == "https" else 80)
    if linked == port:
        return None
    change = (
        f" (--port): serve with --port {linked}" if port_given else f": set web.port: {linked} in the config"
    )
    return (
        f"note: the emails' links go to base_url {base_url}, port {linked}, and this server listens "
        f"on port {port}{change} (or base_url to port {port}), unless a proxy on this machine passes "
        "that port on"
    )


def _check_store(database: Path | str) -> None:
    """Say at the start a database the pages cannot use until it is fixed (its folder gone, a
    newer schema, corrupt, read-only): they would answer 503 until then. A passing trouble (a
    lock) is not waited for."""
    from digest.errors import StoreError, StoreUnusable
    from digest.store import Store

    try:
        Store(database, timeout=1).close()
    except StoreUnusable as e:
        secho(f"warning: {e} (the pages that need it answer 503 until then)", fg="red", err=True)
    except StoreError:
        pass
