"""The note of `digest send` (and the daemon's, and `digest serve`'s) when $DIGEST_SECRET is exported
and the config names no web.secret_env, for a config that has a `web:` section already (its port,
its host): the line to add goes under it. Before, it said "add `web: {secret_env: DIGEST_SECRET}` to
the config", and a config so added to was refused by every command: "config.yaml: not valid YAML, line
11, column 1: 'web' is given twice (first on line 9)". A config with no `web:` is told that line as
before (tests/cli/test_send_secret_not_named.py, tests/web/test_serve_secret_not_named.py).

Real parts: real `digest send --dry-run` and `digest serve` processes, the config file on disk."""

from __future__ import annotations

import os
import subprocess
import sys

from test_serve_secret_not_named import served_note

SECRET = "x" * 64
UNDER_WEB = "add `secret_env: DIGEST_SECRET` under the config's `web:`"


def dry_run(ws, **env: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send", "--dry-run"]
    environ = {k: v for k, v in os.environ.items() if k != "DIGEST_SECRET"} | env
    return subprocess.run(command, env=environ, capture_output=True, text=True, timeout=120)


def test_the_line_to_add_goes_under_the_web_section_the_config_has(workspace):
    ws = workspace
    ws.config_path.write_text(
        ws.config_path.read_text() + "base_url: https://digest.example.org\nweb:\n  port: 8081\n"
    )
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    said = dry_run(ws, DIGEST_SECRET=SECRET)
    assert said.returncode == 0, said.stderr
    assert f"web.secret_env: {UNDER_WEB} to sign the links with it).\n" in said.stderr, said.stderr
    assert f"web.secret_env: {UNDER_WEB} to sign them, and the emails' links, with it)." in served_note(
        ws, DIGEST_SECRET=SECRET
    )

    # done as said: the config reads, and the note is not said again
    ws.config_path.write_text(
        ws.config_path.read_text().replace("web:\n", "web:\n  secret_env: DIGEST_SECRET\n")
    )
    done = dry_run(ws, DIGEST_SECRET=SECRET)
    assert done.returncode == 0 and "secret" not in done.stderr, done.stderr  # was: "'web' is given twice"


def test_without_base_url_it_is_named_beside(workspace):
    ws = workspace
    ws.config_path.write_text(ws.config_path.read_text() + "web:\n  port: 8081\n")
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    said = dry_run(ws, DIGEST_SECRET=SECRET).stderr
    beside = ", and base_url (the address `digest serve` is reached at) to the config to sign the links"
    assert f"{UNDER_WEB}{beside}" in said, said
