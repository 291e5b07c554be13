"""The `templates:` folder gone while pages are open: each open page's poll (GET /u/<token>/version,
once a minute while it answers 503) met it, and `digest serve` logged an ERROR of it at every one
(one a minute per open page, for as long as the folder was gone). Now it is said once, and once
that the polls are answered again when it is back, as the database's troubles met by the polls
are (digest.web.outages). The real `digest serve`, urllib."""

from __future__ import annotations

import urllib.error
import urllib.request

from helpers.own_templates import own_prefs_page

from digest.compose.render import builtin_templates

from conftest import WebWorkspace

ADA = "name: Ada\nemail: ada@example.org\ninterests: [robotics]\n"


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as answer:
            return answer.status
    except urllib.error.HTTPError as e:
        return e.code


def test_the_open_pages_polls_say_a_templates_folder_gone_once_and_once_that_it_is_back(
    web_workspace: WebWorkspace,
):
    ws = web_workspace
    mine = own_prefs_page(ws.config_path)
    (mine / "digest.html.j2").write_text((builtin_templates() / "digest.html.j2").read_text())
    ws.profile("ada", ADA)
    poll = ws.page_url() + "/version"
    with ws.served() as served:
        assert status(poll) == 200
        mine.rename(ws.root / "my-templates.old")
        assert [status(poll) for _ in range(4)] == [503] * 4  # two open pages, two minutes
        (ws.root / "my-templates.old").rename(mine)
        assert status(poll) == 200
        assert status(poll) == 200
        served.terminate()
        log = served.stderr.read().splitlines()
    gone = f"templates: {mine} is not a folder any more: put it back"
    errors = [i for i, line in enumerate(log) if " ERROR " in line]
    assert len(errors) == 1 and gone in log[errors[0]], log
    back = [i for i, line in enumerate(log) if "the open pages' polls are answered again" in line]
    assert len(back) == 1 and back[0] > errors[0], log
