"""A `templates:` folder the account that runs `digest` cannot read (root's, mode 0700, the daemon
run as another account): its templates unseen, it was taken for an empty folder. A real `digest`
process run as nobody (setpriv)."""

from __future__ import annotations

import os
import site
import subprocess
import tempfile
from pathlib import Path

from helpers.accounts import system_python

from conftest import AS_NOBODY, ROOT, Workspace, make_dump


def preview_as_nobody(template: str, text: str, lock: str, *options: str) -> tuple[Path, str, int]:
    """ada's workspace, nobody's, with my-templates holding ``template``; ``lock`` ("folder" or
    "file") made root's (0700 / 0600); `digest preview ada` run as nobody: (my-templates, what it
    said, its exit status)."""
    python = system_python()
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        root.chmod(0o755)
        ws = Workspace(root)
        ws.profile("ada", "email: ada@example.org\ninterests: [robots]\n")
        ws.dump("day.txt", make_dump("Mar 14", [("Robots", "About robots.")]))
        assert ws.cli("ingest").exit_code == 0
        mine = root / "my-templates"
        mine.mkdir()
        (mine / template).write_text(text)
        with ws.config_path.open("a") as config:
            config.write("templates: my-templates\n")
        for path in [root, *root.rglob("*")]:
            os.chown(path, 65534, 65534)
        locked = mine if lock == "folder" else mine / template
        os.chown(locked, 0, 0)
        locked.chmod(0o700 if lock == "folder" else 0o600)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *site.getsitepackages()])}
        env.update(HOME=str(root))
        command = [*AS_NOBODY, python, "-m", "digest", "--config", str(ws.config_path), "preview", "ada"]
        done = subprocess.run([*command, *options], capture_output=True, text=True, env=env, timeout=120)
    return mine, done.stdout + done.stderr, done.returncode


def test_a_templates_folder_this_account_cannot_read_is_said_not_passed_over():
    """`digest preview ada --text` run as nobody showed the built-in template, exit 0, not a
    word that the user's digest.txt.j2 (in root's folder, mode 0700) was not used."""
    mine, said, status = preview_as_nobody("digest.txt.j2", "Mine: {{ subject }}\n", "folder", "--text")
    assert status == 1, said
    assert (
        f"templates: {mine} is a folder this account cannot read: let it read the folder and its files "
        "(its mode or group), or fix the path"
    ) in said, said


def test_a_template_this_account_cannot_read_in_a_readable_folder_is_said_with_its_file():
    """my-templates readable, its digest.html.j2 root's, mode 0600: `digest preview ada` (as every
    command that renders, `digest serve` at its start, each pass of `digest run`) said "internal
    error: PermissionError: [Errno 13] Permission denied: '.../digest.html.j2' (... please report
    it)", exit 2: a fault of the setup taken for one of digest's, with no fix said."""
    mine, said, status = preview_as_nobody("digest.html.j2", "<p>Mine: {{ subject }}</p>\n", "file")
    assert status == 1, said
    assert "internal error" not in said, said
    assert (
        f"templates: {mine / 'digest.html.j2'} cannot be read by this account (Permission denied): let it "
        "read the file (its mode or group), or remove it to use the built-in one"
    ) in said, said
