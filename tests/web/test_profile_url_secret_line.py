"""`digest profile url ada` with no signing secret in the config says the line that names one, as
`digest send` says it (signing.add_secret_env): under the `web:` section the config has, else a
`web: {secret_env: DIGEST_SECRET}` of its own. Before, it said "(e.g. base_url: ... and web:
{secret_env: DIGEST_SECRET})" whatever the config had, and a config with a `web:` already, so added
to, was refused by every command: "not valid YAML, ...: 'web' is given twice".

Real parts: real `digest profile url` processes, the config file on disk."""

from __future__ import annotations

import os
import subprocess
import sys

SECRET = "x" * 64
BASE_URL = "base_url: https://digest.example.org\n"


def url(ws, **env: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "profile", "url", "ada"]
    environ = {k: v for k, v in os.environ.items() if k != "DIGEST_SECRET"} | env
    return subprocess.run(command, env=environ, capture_output=True, text=True, timeout=120)


def test_the_secret_line_said_fits_the_web_section_the_config_has(workspace):
    ws = workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    plain = ws.config_path.read_text() + BASE_URL
    for given, said, done_so in (
        ("web:\n  port: 8081\n", "add `secret_env: DIGEST_SECRET` under the config's `web:`", None),
        (
            "web: {port: 8081}\n",
            "add `secret_env: DIGEST_SECRET` inside the braces of the config's `web: {...}`",
            "web: {port: 8081, secret_env: DIGEST_SECRET}\n",
        ),
        ("", "add `web: {secret_env: DIGEST_SECRET}` to the config", "web: {secret_env: DIGEST_SECRET}\n"),
    ):
        ws.config_path.write_text(plain + given)
        refused = url(ws, DIGEST_SECRET=SECRET)
        assert refused.returncode != 0 and f"; for the secret, {said})" in refused.stderr, refused.stderr
        if done_so is None:  # the line under the section there
            ws.config_path.write_text(plain + given.replace("web:\n", "web:\n  secret_env: DIGEST_SECRET\n"))
        else:
            ws.config_path.write_text(plain + done_so)
        done = url(ws, DIGEST_SECRET=SECRET)
        assert done.returncode == 0, done.stderr  # was: "'web' is given twice"
        assert done.stdout.startswith("https://digest.example.org/u/"), done.stdout
