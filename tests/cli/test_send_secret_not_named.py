"""`digest send` with $DIGEST_SECRET exported (as config.example.yaml's comment and `digest serve
--help` show it) and a config that names no web.secret_env or secret_file: the emails go with a
mailto: unsubscribe alone, no link to the reader's pages. Said once per send, on stderr, with the
line to add, as `digest serve` says its note for this case (tests/web/test_serve_secret_not_named.py).
Before: not a word; the operator took the emails' links to be signed with the secret exported.

Real parts: real `digest send` processes, a real SMTP server (aiosmtpd on loopback), SQLite."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import make_dump

NOTE = (
    "note: no web.secret_env or secret_file: the emails' unsubscribe is a mailto: alone, with no links "
    "to the reader's pages ($DIGEST_SECRET is set, but the config names no web.secret_env: add `web: "
    "{secret_env: DIGEST_SECRET}`"
)


def send(ws, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send", *args]
    environ = {k: v for k, v in os.environ.items() if k != "DIGEST_SECRET"} | env
    return subprocess.run(command, env=environ, capture_output=True, text=True, timeout=120)


def test_an_exported_secret_the_config_does_not_name_is_said_once_per_send(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.config_path.write_text(ws.config_path.read_text() + "base_url: https://digest.example.org\n")
    for user in ("ada", "bob"):
        ws.profile(user, f"email: {user}@example.org\ninterests: [neuromorphic]\n")
    ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "About neuromorphic chips.")]))

    dry = send(ws, "--dry-run", DIGEST_SECRET="x" * 64)
    sent = send(ws, DIGEST_SECRET="x" * 64)
    assert (dry.returncode, sent.returncode) == (0, 0), dry.stderr + sent.stderr
    for said in (dry.stderr, sent.stderr):
        (note,) = [line for line in said.splitlines() if line.startswith("note: no web.secret_env")]
        assert note == f"{NOTE} to the config to sign the links with it).", said  # was: nothing
    assert len(smtp_server.handler.messages) == 2  # sent all the same, as before
    assert all(b"/u/" not in m.data for m in smtp_server.handler.messages)  # a mailto: alone, as said

    plain = send(ws, "--force")  # no such variable: nothing said
    assert plain.returncode == 0 and "secret" not in plain.stderr, plain.stderr


def test_without_base_url_the_note_names_it_too(mail_workspace):
    ws = mail_workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    said = send(ws, "--dry-run", DIGEST_SECRET="x" * 64).stderr
    example = "e.g. `base_url: https://digest.example.org`"  # was without a value to copy
    assert (
        f"{NOTE} and base_url (the address `digest serve` is reached at, {example}) to the config" in said
    ), said
