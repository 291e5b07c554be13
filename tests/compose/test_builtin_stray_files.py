"""The built-in templates are read once, as digest.compose.jinja_env is imported (3e1df85): a
file beside them no template is (an editor's swap file in a source checkout installed with
`pip install -e`, its bytes not UTF-8) must not fail every command that imports it; one of them
that cannot be read fails what needs it, with its path, as a template of the `templates:`
folder does. Run as real `digest` processes, the package laid out as pip installs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers.installed import installed

from conftest import Workspace

SWAP = b"b0VIM 9.0\x00\x00\xff\xfe\x80 not text"  # what vim leaves beside a file it edits


def digest_cmd(tmp_path: Path, ws: Workspace, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args],
        cwd=ws.root,  # not the checkout: its digest/ is not imported
        env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def workspace(tmp_path: Path) -> Workspace:
    (tmp_path / "ws").mkdir()
    ws = Workspace(tmp_path / "ws", 2525)
    ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    return ws


def test_a_swap_file_beside_the_builtin_templates_fails_no_command(tmp_path):
    templates = installed(tmp_path / "site")
    (templates / "web" / ".prefs.js.swp").write_bytes(SWAP)
    ws = workspace(tmp_path)
    for args in (("status",), ("preview", "ada", "--out", str(tmp_path / "ada.html"))):
        done = digest_cmd(tmp_path, ws, *args)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "internal error" not in done.stderr
    assert (tmp_path / "ada.html").is_file()


def test_a_builtin_template_that_is_not_text_fails_what_needs_it_with_its_path(tmp_path):
    templates = installed(tmp_path / "site")
    (templates / "digest.html.j2").write_bytes(SWAP)
    ws = workspace(tmp_path)
    assert digest_cmd(tmp_path, ws, "status").returncode == 0  # needs no template
    done = digest_cmd(tmp_path, ws, "preview", "ada", "--out", str(tmp_path / "ada.html"))
    assert done.returncode == 1, done.stderr[-2000:]
    assert "internal error" not in done.stderr
    assert str(templates / "digest.html.j2") in done.stderr
    assert "reinstall" in done.stderr
