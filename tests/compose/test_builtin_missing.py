"""A built-in template missing from the installed package (a file removed by hand, a packaging
mistake) is said as what it is, with its path and the fix (reinstall), not as an "internal error:
TemplateNotFound" to report, nor as a bare 500 for the page's script. Real `digest` processes,
the package laid out as pip installs it."""

from __future__ import annotations

import select
import subprocess
import sys
import urllib.error
import urllib.request

from helpers.installed import installed
from test_builtin_stray_files import digest_cmd, workspace

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


def test_a_missing_builtin_page_script_is_a_503_and_a_log_line_naming_it(tmp_path, web_workspace):
    templates = installed(tmp_path / "site")
    (templates / "web" / "prefs.js").unlink()
    ws = web_workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    command = [
        sys.executable,
        "-m",
        "digest",
        "--config",
        str(ws.config_path),
        "serve",
        "--port",
        str(ws.port),
    ]
    env = {"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin", "DIGEST_TEST_SECRET": SECRET}
    proc = subprocess.Popen(
        command, cwd=ws.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert select.select([proc.stdout], [], [], HANG)[0], "digest serve printed nothing"
        assert proc.stdout.readline().startswith("Serving on "), proc.stderr.read()
        status, _ = get(f"{ws.base_url}/assets/prefs.js")
        assert status == 503
        assert get(f"{ws.base_url}/assets/live.js")[0] == 200  # the other script is there
    finally:
        proc.terminate()
        proc.wait(HANG)
    said = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    assert "Traceback" not in said and "KeyError" not in said, said[-3000:]
    assert f"GET /assets/prefs.js: {templates / 'web' / 'prefs.js'}: a built-in template is missing" in said


def test_the_list_of_shipped_templates_is_the_folders():
    folder = builtin_templates()
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.name.endswith(TEMPLATE_FILES)}
    assert files == SHIPPED
