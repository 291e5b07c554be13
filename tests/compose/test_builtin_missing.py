"""A built-in template missing from the installed package (a file removed by hand, a packaging
mistake) is said as what it is, with its path and the fix (reinstall), not as an "internal error:
TemplateNotFound" to report, nor as a bare 500 for the page's script. Real `digest` processes,
the package laid out as pip installs it."""

from __future__ import annotations

import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from helpers.installed import installed
from test_builtin_stray_files import digest_cmd, workspace

import digest
from digest.compose.jinja_env import SHIPPED, TEMPLATE_FILES, builtin_templates

from conftest import SECRET

HANG = 300  # seconds: only a process that hangs takes this long


def test_a_missing_builtin_email_template_is_said_with_its_path_and_the_fix(tmp_path):
    templates = installed(tmp_path / "site")
    (templates / "digest.html.j2").unlink()
    ws = workspace(tmp_path)
    assert digest_cmd(tmp_path, ws, "status").returncode == 0  # needs no template
    done = digest_cmd(tmp_path, ws, "preview", "ada", "--out", str(tmp_path / "ada.html"))
    assert "internal error" not in done.stderr
    assert done.returncode == 1, done.stderr[-2000:]
    assert f"{templates / 'digest.html.j2'}: a built-in template is missing" in done.stderr
    assert "reinstall" in done.stderr


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=HANG) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_serve_with_builtin_files_missing_refuses_to_start_naming_each(tmp_path, web_workspace):
    """`digest serve` started as if fine ("Serving on ..."), and a reader's page then lacked its
    script (GET /assets/prefs.js: 503) and a one-click unsubscribe got a 503, the file said only
    in the log, request by request. It now refuses to start, naming every missing file, once."""
    templates = installed(tmp_path / "site")
    (templates / "web" / "prefs.js").unlink()
    (templates / "web" / "unsubscribe.html.j2").unlink()
    ws = web_workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    env = {"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin", "DIGEST_TEST_SECRET": SECRET}
    done = subprocess.run(
        ws.serve_command(), cwd=ws.root, env=env, capture_output=True, text=True, timeout=HANG
    )
    assert "Serving on" not in done.stdout, done.stdout
    assert done.returncode == 1, done.stderr[-3000:]
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr[-3000:]
    for name in ("prefs.js", "unsubscribe.html.j2"):
        assert str(templates / "web" / name) in done.stderr, done.stderr
    assert "the installed digest is damaged" in done.stderr and "reinstall" in done.stderr


def test_the_list_of_shipped_templates_is_the_folders():
    folder = builtin_templates()
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.name.endswith(TEMPLATE_FILES)}
    assert files == SHIPPED


def serve_refused(site, ws) -> str:
    """What a real `digest serve` run from ``site`` (on PYTHONPATH) says as it refuses to start."""
    ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "DIGEST_TEST_SECRET": SECRET}
    done = subprocess.run(
        ws.serve_command(), cwd=ws.root, env=env, capture_output=True, text=True, timeout=HANG
    )
    assert done.returncode == 1 and "Serving on" not in done.stdout, done.stderr[-3000:]
    return " ".join(done.stderr.split())


def test_one_file_missing_from_an_installed_package_is_it_not_them(tmp_path, web_workspace):
    templates = installed(tmp_path / "site")
    (templates / "web" / "prefs.js").unlink()
    said = serve_refused(tmp_path / "site", web_workspace)
    assert (  # a copy on PYTHONPATH: no installed package's record is of it (test_reinstall_command.py)
        f"{templates / 'web' / 'prefs.js'} is missing: reinstall digest from where this copy "
        f"({templates.parent}) came: no installed package records it; "
        "`digest serve` does not start without it"
    ) in said, said


def test_a_file_missing_from_the_clone_digest_runs_from_is_restored_from_git(tmp_path, web_workspace):
    """An editable install runs from its clone's ./templates: no reinstall brings a file of it back
    (pip installs the same clone again), git does."""
    clone = tmp_path / "clone"
    shutil.copytree(
        Path(digest.__file__).parent, clone / "digest", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(builtin_templates(), clone / "templates")
    subprocess.run(["git", "init", "-q", str(clone)], check=True)
    (clone / "templates" / "web" / "prefs.js").unlink()
    said = serve_refused(clone, web_workspace)
    assert (
        f"{clone / 'templates' / 'web' / 'prefs.js'} is missing: restore it from git "
        f"(`git -C {clone} checkout -- templates`): digest runs from that clone; "
        "`digest serve` does not start without it"
    ) in said, said
