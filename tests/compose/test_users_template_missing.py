"""A template of the user's `templates:` folder that includes (imports, extends) a file that is
neither in the folder nor among the built-in templates: said with the file that asks for it and
the one it names, as theirs to fix, not "internal error: TemplateNotFound" for the email, nor a
500 for a page of `digest serve`. Real `digest` processes."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request

from digest.signing import Signer

from conftest import NOW, SECRET, make_dump

HANG = 300  # seconds: only a process that hangs takes this long


def with_folder(ws, name: str, text: str):
    mine = ws.root / "mine"
    (mine / name).parent.mkdir(parents=True, exist_ok=True)
    (mine / name).write_text(text)
    ws.config_path.write_text(ws.config_path.read_text() + "templates: mine\n")
    ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    return mine


def served_once(ws, request: str | urllib.request.Request) -> tuple[int, str, str]:
    """``request`` asked of a real `digest serve` on ``ws``: the status, the body, and what the
    server logged until stopped."""
    with ws.served(HANG) as proc:
        try:
            with urllib.request.urlopen(request, timeout=HANG) as r:
                status, body = r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            status, body = e.code, e.read().decode()
        proc.terminate()
        return status, body, proc.stderr.read()


def test_an_email_template_that_includes_a_file_that_is_nowhere_says_both_files(workspace, tmp_path):
    mine = with_folder(workspace, "digest.html.j2", '<p>Hello</p>\n{% include "parts/footer.j2" %}\n')
    done = subprocess.run(
        [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "preview", "ada"]
        + ["--out", str(tmp_path / "ada.html")],
        capture_output=True,
        text=True,
        timeout=HANG,
    )
    assert "internal error" not in done.stderr
    assert done.returncode == 1, done.stderr[-2000:]
    assert "'parts/footer.j2', which is neither in" in done.stderr
    assert str(mine / "parts" / "footer.j2") in done.stderr
    assert not (tmp_path / "ada.html").exists()


def test_a_page_template_that_includes_a_file_that_is_nowhere_is_a_503_and_a_log_line(web_workspace):
    ws = web_workspace
    mine = with_folder(ws, "web/unsubscribe.html.j2", '{% include "parts/footer.j2" %}\n')
    token = Signer.from_config(ws.config).token("ada", NOW)
    status, body, said = served_once(ws, f"{ws.base_url}/u/{token}/unsubscribe")
    assert status == 503, body[:300]
    assert "Traceback" not in said, said[-3000:]
    where = f"{mine / 'web' / 'unsubscribe.html.j2'}, line 1 includes, imports or extends 'parts/footer.j2'"
    assert where in said, said[-3000:]
    assert "footer.j2" not in body  # the reader is told it is unavailable, not the file
    assert SECRET not in said


def test_an_unsubscribe_done_with_a_failing_page_template_is_said_done_in_the_built_in_page(web_workspace):
    """The one-click (RFC 8058) pauses the reader before its page is made: the folder's page failing
    then, the answer is the built-in page saying it is done (200, as the preferences' answers to a
    POST when the folder is gone), the file in the log; not a 503 saying nothing was changed."""
    ws = web_workspace
    mine = with_folder(ws, "web/unsubscribe.html.j2", '{% include "parts/footer.j2" %}\n')
    token = Signer.from_config(ws.config).token("ada", NOW)
    one_click = urllib.request.Request(
        f"{ws.base_url}/u/{token}/unsubscribe",
        b"List-Unsubscribe=One-Click",
        {"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    status, body, said = served_once(ws, one_click)
    assert "paused: true" in (ws.root / "profiles" / "ada.yaml").read_text()
    assert status == 200, body[:300]
    assert "You are unsubscribed" in body
    assert f"{mine / 'web' / 'unsubscribe.html.j2'}, line 1 includes" in said, said[-3000:]
    assert "Traceback" not in said, said[-3000:]


def test_the_email_template_including_a_file_that_is_nowhere_is_said_with_its_line_by_every_command(
    mail_workspace,
):
    """The HTML email template is read whole (its includes too) before the first message: the
    user saw "a template of mine includes ... 'parts/footer.j2'" from `preview`, `send`, `run
    --once` and the daemon's log, with no file nor line where the include is."""
    ws = mail_workspace
    mine = with_folder(ws, "digest.html.j2", '<p>Hello</p>\n\n{% include "parts/footer.j2" %}\n')
    ws.dump("d.txt", make_dump("Mar 14", [("Robotics at the edge", "Robots.")]))
    assert ws.cli("ingest").exit_code == 0
    where = f"{mine / 'digest.html.j2'}, line 3 includes, imports or extends 'parts/footer.j2'"
    digest = [sys.executable, "-m", "digest", "--config", str(ws.config_path)]
    for command in (["preview", "ada", "--out", str(ws.root / "ada.html")], ["send"], ["run", "--once"]):
        done = subprocess.run(digest + command, capture_output=True, text=True, timeout=HANG)
        assert done.returncode == 1, (command, done.stderr[-2000:])
        assert f"error: {where}" in done.stderr, (command, done.stderr[-2000:])
    with subprocess.Popen(digest + ["run"], stderr=subprocess.PIPE, text=True) as daemon:
        try:
            for line in daemon.stderr:
                if "tick failed" in line:
                    break
        finally:
            daemon.terminate()
    assert f"tick failed; retrying at the next poll: {where}" in line, line


def test_the_503_of_a_failing_page_template_says_the_templates_not_the_stored_data(web_workspace):
    """The reader saw "The digest cannot use its stored data (its database or its readers'
    profiles)", where a page of the `templates:` folder failed: the page now says the templates,
    the operator's log the file and line, and the reader is told no path."""
    ws = web_workspace
    page = '{% extends "web/base.html.j2" %}\n{% block main %}\n{{ name | nosuch }}\n{% endblock %}\n'
    mine = with_folder(ws, "web/prefs.html.j2", page)
    token = Signer.from_config(ws.config).token("ada", NOW)
    status, body, said = served_once(ws, f"{ws.base_url}/u/{token}")
    assert status == 503, body[:300]
    assert "stored data" not in body
    assert "The site cannot use its templates" in body, body
    assert str(ws.root) not in body and "prefs.html.j2" not in body
    assert f"{mine / 'web' / 'prefs.html.j2'}, line 3: No filter named 'nosuch'" in said, said[-3000:]
