"""A template of the user's `templates:` folder edited while `digest run` runs is the one the next
digest is made with, without a restart (as a profile edited meanwhile is): the daemon reads the
folder at each pass, not once at its start; `digest preview` at each command. A real `digest run`
writing its digests to a folder (delivery.transport: file)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time

from digest.compose.render import builtin_templates

from conftest import make_dump


def digests_of(folder, user: str, deadline: float) -> str:
    """The text of ``user``'s digest once the daemon has written it (within ``deadline``)."""
    while time.monotonic() < deadline:
        found = sorted(folder.glob(f"*.{user}.eml"))
        if found:
            return found[0].read_text()
        time.sleep(0.1)
    raise AssertionError(f"no digest for {user} in {sorted(p.name for p in folder.iterdir())}")


def test_a_template_edited_while_the_daemon_runs_makes_the_next_digest(workspace):
    template = workspace.root / "tpl" / "digest.txt.j2"
    template.parent.mkdir()
    builtin = (builtin_templates() / "digest.txt.j2").read_text()
    template.write_text("Edition one of my template\n" + builtin)
    out = workspace.root / "out"
    text = workspace.config_path.read_text() + "templates: tpl\nscheduler:\n  poll_seconds: 0.2\n"
    workspace.config_path.write_text(text + "delivery:\n  transport: file\n  dir: out\n")
    due = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)).strftime("%H:%M")
    reader = "email: {0}@example.org\ninterests: [neuromorphic]\ntimezone: UTC\nsend_at: '{1}'\n"
    workspace.profile("ada", reader.format("ada", due))
    today = dt.datetime.now(dt.UTC).date()
    workspace.dump("day.txt", make_dump(f"{today}", [("Neuromorphic chips", "About neuromorphic chips.")]))
    command = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "run"]
    daemon = subprocess.Popen(command, cwd=workspace.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        assert "Edition one of my template" in digests_of(out, "ada", deadline)
        stamp = template.stat().st_mtime_ns + 10**9  # a change seen however quick the test
        template.write_text("Edition two of my template\n" + builtin)
        os.utime(template, ns=(stamp, stamp))
        workspace.profile("bob", reader.format("bob", due))  # due at the daemon's next pass
        bobs = digests_of(out, "bob", deadline)
        assert "Edition two of my template" in bobs and "Edition one" not in bobs  # not the one read at start
    finally:
        daemon.terminate()
        daemon.communicate(timeout=60)
    preview = workspace.cli("preview", "ada", "--text")
    assert "Edition two of my template" in preview.output, preview.output
