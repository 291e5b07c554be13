"""The `templates:` folder renamed, removed or made unreadable while `digest run` goes on: the
daemon read the config when the folder was there, and does not read it again until it is edited.
A real daemon process and a real aiosmtpd on loopback."""

from __future__ import annotations

import datetime as dt
import os
import site
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from daemon_processes import logs, start, stop_all, wait_until
from helpers.accounts import system_python

from digest.compose.render import builtin_templates

from conftest import AS_NOBODY, ROOT, Workspace, make_dump


def my_templates(ws: Workspace) -> Path:
    """The workspace's `templates:` folder (its digest.txt.j2 says "Mine: "), and a dump."""
    mine = ws.root / "my-templates"
    mine.mkdir()
    (mine / "digest.txt.j2").write_text("Mine: " + (builtin_templates() / "digest.txt.j2").read_text())
    with ws.config_path.open("a") as config:
        config.write("templates: my-templates\nscheduler:\n  poll_seconds: 1\n  profiles_rescan_seconds: 1\n")
    ws.dump("d.txt", make_dump("Mar 14", [("Spiking neural networks at the edge", "Spiking nets.")]))
    return mine


Change = Callable[[], object]


def held_until_back(ws: Workspace, smtp_server, said: str, away: Change, back: Change) -> None:
    """The dump ingested by the running daemon, then ``away()`` and ada made due: the pass says
    ``said`` and sends nothing; then ``back()``: her digest goes out, in the user's template."""
    wait_until(lambda: "ingested" in logs(ws) or "1 new paper" in logs(ws), 60, "the dump ingested", ws)
    away()
    send_at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).strftime("%H:%M")
    ws.profile("ada", f"email: ada@example.org\ninterests: [spiking nets]\nsend_at: '{send_at}'\n")
    wait_until(lambda: said in logs(ws) or smtp_server.messages, 60, "ada's digest, or why not", ws)
    assert said in logs(ws) and not smtp_server.messages, logs(ws)
    back()
    wait_until(lambda: smtp_server.messages, 60, "ada's digest once the folder is back", ws)
    (message,) = smtp_server.messages
    assert b"Mine: " in message.data


def test_a_templates_folder_gone_while_the_daemon_runs_is_said_not_replaced_by_the_built_in_one(
    mail_workspace, smtp_server
):
    """The user's folder renamed under a running daemon: ada's digest went out in the built-in
    template, 'digest sent to ada <ada@example.org>: 1 paper', with not a word of the folder."""
    ws = mail_workspace
    mine = my_templates(ws)
    daemon = start(ws)
    try:
        said = f"templates: {mine} is not a folder any more: put it back, or fix `templates:` in the config"
        old = ws.root / "my-templates.old"
        held_until_back(ws, smtp_server, said, lambda: mine.rename(old), lambda: old.rename(mine))
    finally:
        stop_all([daemon])


def start_as_nobody(ws: Workspace, python: str) -> subprocess.Popen:
    """`digest run` as nobody (the workspace nobody's but what the test makes root's after), its
    output in daemon.log."""
    for path in [ws.root, *ws.root.rglob("*")]:
        os.chown(path, 65534, 65534)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *site.getsitepackages()])}
    env.update(HOME=str(ws.root))
    out = open(ws.root / "daemon.log", "ab")  # noqa: SIM115 - the process owns it
    run = [*AS_NOBODY, python, "-m", "digest", "--config", str(ws.config_path), "run"]
    return subprocess.Popen(run, stdout=out, stderr=subprocess.STDOUT, env=env)


def test_a_templates_folder_made_unreadable_while_the_daemon_runs_holds_the_digest(smtp_server):
    """The user's folder made unreadable (root's, mode 0700) under a daemon run as another account
    (nobody): Jinja, seeing no file there, fell back to the built-in templates and ada's digest
    went out in them. The pass now makes no digest, says why, and sends it in the user's template
    at the first pass once the folder may be read again."""
    python = system_python()
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        root.chmod(0o755)
        ws = Workspace(root, smtp_server.port)
        mine = my_templates(ws)
        daemon = start_as_nobody(ws, python)
        os.chown(mine, 0, 0)
        try:
            said = f"templates: {mine} is a folder this account cannot read any more: let it read the folder"
            held_until_back(ws, smtp_server, said, lambda: mine.chmod(0o700), lambda: mine.chmod(0o755))
        finally:
            stop_all([daemon])


def test_a_template_made_unreadable_while_the_daemon_runs_is_said_once_and_holds_the_digest(smtp_server):
    """The folder's digest.html.j2 made unreadable (root's, mode 0600) under a daemon run as nobody,
    the folder readable: "tick failed; retrying at the next poll: templates: ... cannot be read by
    this account" at every poll (the template was loaded as each pass's renderer was made), and
    nothing else done meanwhile. It is said once, as the digest it holds, which goes out in the
    user's template at the first pass once the file may be read again."""
    python = system_python()
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        root.chmod(0o755)
        ws = Workspace(root, smtp_server.port)
        html = my_templates(ws) / "digest.html.j2"
        html.write_text((builtin_templates() / "digest.html.j2").read_text())
        daemon = start_as_nobody(ws, python)
        said = f"templates: {html} cannot be read by this account (Permission denied)"

        def away() -> None:
            os.chown(html, 0, 0)
            html.chmod(0o600)

        def back() -> None:
            time.sleep(5)  # five polls
            assert logs(ws).count(said) == 1, logs(ws)  # was: at every poll, as "tick failed; ..."
            html.chmod(0o644)

        try:
            held_until_back(ws, smtp_server, said, away, back)
        finally:
            stop_all([daemon])
