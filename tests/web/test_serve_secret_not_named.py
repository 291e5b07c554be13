"""`digest serve` with $DIGEST_SECRET exported (as config.example.yaml's comment and serve's --help
show it) and a config that names no web.secret_env: the links are signed with a random secret,
and the note said so without a word of the variable set for nothing, so the operator took the
links (and the emails') to be signed with it."""

from __future__ import annotations

import os
import select
import subprocess
import sys

from digest import config_missing

HANG = 120  # seconds: only ends a server that hangs; no step is timed


def served_note(workspace, **env: str) -> str:
    """What `digest serve --port 0` says on stderr once it serves (stopped then)."""
    command = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "serve", "--port", "0"]
    environ = {k: v for k, v in os.environ.items() if k != "DIGEST_SECRET"} | env
    proc = subprocess.Popen(command, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert select.select([proc.stdout], [], [], HANG)[0], "digest serve printed nothing"
        serving = proc.stdout.readline()
        assert serving.startswith("Serving on "), serving
    finally:
        proc.terminate()
        proc.wait(HANG)
        said = proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
    return said


def test_an_exported_secret_the_config_does_not_name_is_said_with_the_line_to_add(workspace):
    workspace.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    said = served_note(workspace, DIGEST_SECRET="x" * 64)
    assert (
        "note: no web.secret_env or secret_file: links are signed with a random secret for this run "
        "($DIGEST_SECRET is set, but the config names no web.secret_env: add `web: {secret_env: "
        "DIGEST_SECRET}` to the config to sign them, and the emails' links, with it)." in said
    ), said
    plain = served_note(workspace)  # no such variable: what the random secret means, and the key
    assert "DIGEST_SECRET" not in plain
    assert (
        "note: no web.secret_env or secret_file: links are signed with a random secret for this run, and"
        in plain
    )


def test_a_random_secret_is_said_with_what_it_means_and_the_key_to_set(workspace):
    # it was said "links are signed with a random secret for this run." alone: a new user following
    # the README (`digest serve` with the example config copied) was left not knowing that the
    # links die with the run, that the emails carry none, nor what to set
    workspace.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    example = config_missing.example_config()
    assert (
        "note: no web.secret_env or secret_file: links are signed with a random secret for this run, and "
        "open nothing after it: for links that last, set web.secret_env (and base_url, for the emails to "
        f"carry them): see `web:` in {example}.\n" in served_note(workspace)
    )
    # with base_url set, the key alone
    workspace.config_path.write_text(workspace.config_path.read_text() + "base_url: http://127.0.0.1:8025\n")
    assert f"for links that last, set web.secret_env: see `web:` in {example}.\n" in served_note(workspace)
    assert "secret_env: DIGEST_SECRET" in example.read_text()
