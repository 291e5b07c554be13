"""The commands about every reader (`digest status`, `digest send`, `digest run --once`, `digest
serve`'s list of pages), run by an account that may read each reader's profile file by its name
but not list the profiles folder (mode 0711), say which folder it may not list and what to do;
they failed with "internal error: PermissionError: [Errno 13] Permission denied: '.../profiles'"
(`serve` before serving a page). The commands about one named reader (`send --user`, `rank`,
`profile test`, the reader's pages) work as before."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "deliver"))
try:
    from test_preview_folder_unlisted import system_python
finally:
    sys.path.remove(str(Path(__file__).parents[1] / "deliver"))

from conftest import AS_NOBODY, ROOT, SECRET, WebWorkspace

CY = 'email: cy@example.org\ninterests: [spiking attention]\nsend_at: "07:00"\n'
UNLISTED = "{}: this account may not list the profiles folder (Permission denied)"


def page(url: str, serving: subprocess.Popen[str]) -> str:
    """``url``'s page once the server answers (or what it said when it ended)."""
    for _ in range(300):
        if serving.poll() is not None:
            return f"ended: {serving.communicate()}"
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return answer.read().decode()
        except OSError:
            time.sleep(0.1)
    return "no answer"


def test_commands_about_every_reader_say_the_folder_they_may_not_list(smtp_server):
    python = system_python()
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        root.chmod(0o755)
        ws = WebWorkspace(root, smtp_server.port)
        ws.profile("cy", CY)
        ws.profile("dee", CY.replace("cy@", "dee@"))
        for path in [root, *root.rglob("*")]:
            os.chown(path, 65534, 65534)
        os.chown(root / "profiles", 0, 0)
        (root / "profiles").chmod(0o711)  # each file opened by its name; the folder not listed
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *site.getsitepackages()])}
        env.update(HOME=str(root), DIGEST_TEST_SECRET=SECRET)
        env.pop("DIGEST_DEBUG", None)
        command = [*AS_NOBODY, python, "-m", "digest", "--config", str(ws.config_path)]

        def digest(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([*command, *args], capture_output=True, text=True, env=env, timeout=120)

        said = {args: digest(*args.split()) for args in ("status", "send", "run --once")}
        named = ("send --user cy", "rank cy", "profile test cy attention", "profile url cy")
        one = {args: digest(*args.split()) for args in named}
        serve = [*command, "serve", "--port", str(ws.port)]
        with subprocess.Popen(serve, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as s:
            try:
                shown = page(one["profile url cy"].stdout.strip(), s)
            finally:
                s.terminate()
            served = "".join(s.communicate(timeout=30))
    folder = root / "profiles"
    for args, done in said.items():
        out = done.stdout + done.stderr
        assert "internal error" not in out, (args, out)
        assert UNLISTED.format(folder) in out, (args, out)
        assert f"chmod a+r {folder}" in out, (args, out)
    assert said["status"].returncode == 0
    assert said["send"].returncode == 1
    assert said["run --once"].returncode == 1
    for args, done in one.items():
        assert done.returncode == 0, (args, done.stdout + done.stderr)
    assert "internal error" not in served and UNLISTED.format(folder) in served, served
    assert "<title>Your digest preferences" in shown, shown
