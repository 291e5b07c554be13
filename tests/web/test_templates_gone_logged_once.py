"""The `templates:` folder, with an email template of its own, removed while `digest serve` runs:
a reader's page is the 503 and the server's log says why in one line, the folder and its fix.
Was: a second ERROR first, of three lines, from the site read again for the changed email
template ("templates not read again: .../config.yaml: invalid configuration: - line N: templates:
... is not a folder: make it and put your versions of the built-in templates there ...; going on
with the one read before"), which the pages did not do. The real `digest serve`, urllib."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from helpers.http_status import status
from helpers.own_templates import own_prefs_page

from digest.compose.render import builtin_templates

from conftest import WebWorkspace

ADA = "name: Ada\nemail: ada@example.org\ninterests: [robotics]\n"


def test_a_templates_folder_gone_while_serving_is_one_clear_line_in_the_log(web_workspace: WebWorkspace):
    ws = web_workspace
    mine = own_prefs_page(ws.config_path)
    (mine / "digest.html.j2").write_text((builtin_templates() / "digest.html.j2").read_text())
    ws.profile("ada", ADA)
    link = ws.page_url()
    with ws.served() as served:
        assert status(link) == 200
        mine.rename(ws.root / "my-templates.old")
        assert status(link) == 503
        served.terminate()
        log = served.stderr.read()
    errors = [line for line in log.splitlines() if " ERROR " in line]
    gone = f"templates: {mine} is not a folder any more: put it back, or fix `templates:` in the config"
    assert len(errors) == 1 and gone in errors[0], log


def test_an_open_pages_poll_answers_503_while_the_templates_folder_is_gone(web_workspace: WebWorkspace):
    # Before: GET /u/<token>/version answered 200, with another content version, while the pages
    # answered 503: an open live page (digest?live=1) reloaded onto the 503 page, whose script
    # (broken.js) found the poll's 200 a minute later and reloaded it again, once a minute (an
    # ERROR in the log each time), until the folder was back. Now the open page keeps the digest
    # it shows and asks again as for any 503; the folder back as it was, nothing to reload
    ws = web_workspace
    mine = own_prefs_page(ws.config_path)
    (mine / "digest.html.j2").write_text((builtin_templates() / "digest.html.j2").read_text())
    ws.profile("ada", ADA)
    poll = ws.page_url() + "/version"
    with ws.served():
        with urllib.request.urlopen(poll, timeout=60) as answer:
            before = json.load(answer)
        mine.rename(ws.root / "my-templates.old")
        assert status(poll) == 503
        (ws.root / "my-templates.old").rename(mine)
        with urllib.request.urlopen(poll, timeout=60) as answer:
            assert json.load(answer) == before
