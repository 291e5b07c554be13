"""The `templates:` folder gone while `digest serve` runs, then put back: a POST answered meanwhile
with the built-in page does not leave that page in place of the reader's own. The real app on a
thread, over HTTP."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import site
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from helpers.accounts import system_python
from helpers.own_templates import own_prefs_page

from digest.compose.render import builtin_templates
from digest.signing import Signer

from conftest import AS_NOBODY, ROOT, SECRET, WebWorkspace, make_dump


def answer(url: str, form: dict[str, str] | None = None, origin: str = "") -> tuple[int, str]:
    """The status and body of a GET, or of a POST of ``form``."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, headers={"Origin": origin} if origin else {})
    try:
        with urllib.request.urlopen(request) as done:
            return done.status, done.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_the_readers_own_page_comes_back_with_the_folder_after_a_post_answered_without_it(web_workspace):
    """my-templates (its own preferences page) renamed, a Save refused meanwhile (answered with the
    built-in page, as a POST is), the folder put back: ada's page stayed the built-in one until
    `digest serve` was restarted, Jinja keeping the built-in template it had loaded in its place."""
    ws = web_workspace
    mine = own_prefs_page(ws.config_path)
    ws.profile("ada", "name: Ada\nemail: ada@example.org\ninterests: [robotics]\n")
    ws.dump("day.txt", make_dump("Mar 14", [("Robotics Study", "Robots.")]))
    assert ws.cli("ingest").exit_code == 0
    url = ws.page_url()
    with ws.serve():
        status, body = answer(url)
        assert status == 200 and "data-mine" in body
        form = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', body))

        mine.rename(ws.root / "my-templates.old")
        status, body = answer(url, {**form, "kw": "robots", "weight": "1", "max_papers": "none"}, ws.base_url)
        assert status == 422 and "data-mine" not in body, (status, body)

        (ws.root / "my-templates.old").rename(mine)
        status, body = answer(url)
        assert status == 200 and "data-mine" in body


def test_a_save_while_the_folder_is_gone_says_saved(web_workspace, caplog):
    """my-templates renamed, a Save of ada's page: saved, but its answer (the page it is sent back
    to, "?done=saved") was the 503 "not available until the digest is repaired" page, so she was
    told nothing of the save, which she would take for failed. It is the built-in page, "Saved."."""
    ws = web_workspace
    mine = ws.root / "my-templates"
    (mine / "web").mkdir(parents=True)
    (mine / "web" / "prefs.html.j2").write_text((builtin_templates() / "web" / "prefs.html.j2").read_text())
    with ws.config_path.open("a") as config:
        config.write("templates: my-templates\n")
    ws.profile("ada", "name: Ada\nemail: ada@example.org\ninterests: [robotics]\n")
    url = ws.page_url()
    caplog.set_level(logging.ERROR, logger="digest.web.app")
    with ws.serve():
        form = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', answer(url)[1]))
        mine.rename(ws.root / "my-templates.old")
        status, body = answer(url, {**form, "kw": "robots", "weight": "1"}, ws.base_url)
        assert "- robots" in (ws.root / "profiles" / "ada.yaml").read_text()
        assert status == 200 and "Saved." in body, (status, body)
        assert any("answered with the built-in page" in r.getMessage() for r in caplog.records), caplog.text
        assert answer(url)[0] == 503  # her page opened again: for the operator, as before


def test_a_web_folder_this_account_cannot_search_is_said_not_replaced(monkeypatch):
    """my-templates readable, its web/ root's, mode 0700, `digest serve` run as nobody: ada's page
    answered 200 with the built-in preferences page, not a word anywhere (Jinja, seeing no file
    there, fell back to the built-in one). It is the 503 for the operator, the folder in the log."""
    python = system_python()
    monkeypatch.setenv("DIGEST_TEST_SECRET", SECRET)
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        root.chmod(0o755)
        status, body, said = serve_as_nobody(python, root)
    assert status == 503 and "not available until the digest is repaired" in body, (status, said)
    mine = root / "my-templates"
    assert f"templates: {mine / 'web' / 'prefs.html.j2'} cannot be looked for by this account" in said, said


def serve_as_nobody(python: str, root: Path) -> tuple[int, str, str]:
    """ada's page asked of `digest serve` run as nobody, its web/ folder root's, mode 0700."""
    ws = WebWorkspace(root, 2525)
    mine = root / "my-templates"
    (mine / "web").mkdir(parents=True)
    (mine / "web" / "prefs.html.j2").write_text((builtin_templates() / "web" / "prefs.html.j2").read_text())
    with ws.config_path.open("a") as config:
        config.write("templates: my-templates\n")
    ws.profile("ada", "name: Ada\nemail: ada@example.org\ninterests: [robotics]\n")
    for path in [root, *root.rglob("*")]:
        os.chown(path, 65534, 65534)
    os.chown(mine / "web", 0, 0)
    (mine / "web").chmod(0o700)
    env = {**os.environ, "DIGEST_TEST_SECRET": SECRET, "HOME": str(root)}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *site.getsitepackages()])
    command = [*AS_NOBODY, python, *ws.serve_command()[1:]]
    url = f"{ws.base_url}/u/{Signer.from_config(ws.config).token('ada', dt.datetime.now(dt.UTC))}"
    with open(root / "serve.log", "w+") as log:
        serve = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + 30
            while "Serving on" not in (root / "serve.log").read_text() and time.monotonic() < deadline:
                time.sleep(0.2)
            status, body = answer(url)
        finally:
            serve.terminate()
            serve.wait(30)
    return status, body, (root / "serve.log").read_text()
