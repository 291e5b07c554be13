"""A reader whose profile file a hand edit broke opens their links: a page that says their
profile cannot be read right now (503; no traceback, no file, nothing of the file), the
operator's log says the file, the line and what is wrong, and nothing is ever saved over it."""

from __future__ import annotations

import logging
import urllib.request

import pytest
import yaml

from digest.cli.suggested import carrying
from digest.deliver.suppressions import Suppressions
from digest.signing import Signer
from digest.store import Store
from digest.web.app import create_app

from conftest import NOW, failing_inserts

PROFILE = "# Ada's own notes\nname: Ada\nemail: ada@example.org\ninterests:\n  robotics: 2\n"
# A hand edit gone wrong: a bracket never closed, below a line pasted from another reader's file.
BROKEN = PROFILE + "# from bob.yaml: bob@private.example.org\nexclude: [medical\n"
TOLD = "Your profile cannot be read right now"


@pytest.fixture
def ws(web_workspace):
    return web_workspace.with_ada(PROFILE)


def said_to_the_reader(body: str, ws) -> None:
    assert TOLD in body and "Traceback" not in body
    for secret in ("ada.yaml", str(ws.root), "line 8", "YAML", "medical", "bob", "private.example.org"):
        assert secret not in body, secret


def said_in_the_log(caplog, ws) -> None:
    (line,) = {r.getMessage() for r in caplog.records if r.name == "digest.web.unreadable"}
    assert "the profile of ada cannot be read" in line
    assert f"{ws.root / 'profiles' / 'ada.yaml'}: not valid YAML, line 8" in line and "from line 7" in line


def test_the_broken_profiles_page_says_so_in_the_browser_and_a_save_begun_before_writes_nothing(
    ws,
    browser,
    caplog,
):
    path = ws.root / "profiles" / "ada.yaml"
    url_of = f"/u/{Signer.from_config(ws.config).token('ada', NOW)}"
    with ws.serve() as base:
        page = browser.new_page()
        page.goto(base + url_of)  # opened while the file was fine
        page.fill("#send_at", "08:15")
        path.write_text(BROKEN)  # then the operator's hand edit breaks it
        with page.expect_navigation():
            page.click("#save")
        said_to_the_reader(page.content(), ws)
        assert "your change was not saved" in page.locator("main").inner_text()
        assert path.read_text() == BROKEN  # never saved over
        typed = page.locator("#typed").inner_text()  # what they typed is not lost: shown back
        assert "At\n08:15" in typed and "Interests\nrobotics: 2" in typed
        caplog.clear()
        caplog.set_level(logging.ERROR, logger="digest.web.unreadable")
        response = page.goto(base + url_of)  # the preferences link, from the email
        assert response.status == 503 and response.headers.get("retry-after") is None
        assert page.locator("h1").inner_text() == TOLD
        said_to_the_reader(page.content(), ws)
        said_in_the_log(caplog, ws)
        page.close()
    assert path.read_text() == BROKEN


def test_what_a_refused_save_typed_is_shown_back_and_saved_once_the_file_is_fixed(
    ws,
    browser,
):
    path = ws.root / "profiles" / "ada.yaml"
    with ws.serve():
        page = browser.new_page()
        page.goto(ws.page_url())
        page.fill("#send_at", "08:15")
        page.fill("#new-kw", "motion <planning>")
        page.fill("#new-weight", "0.5")
        path.write_text(BROKEN)
        with page.expect_navigation():
            page.click("#save")
        said_to_the_reader(page.content(), ws)
        typed = page.locator("#typed").inner_text()
        assert "robotics: 2, motion <planning>: 0.5" in typed and "08:15" in typed  # as text, escaped
        with page.expect_navigation():  # still broken: refused again, still kept
            page.click("#save-again")
        assert "08:15" in page.locator("#typed").inner_text() and path.read_text() == BROKEN
        path.write_text(PROFILE)  # fixed
        with page.expect_navigation():
            page.click("#save-again")
        assert page.locator(".notice").inner_text() == "Saved."
        page.close()
    saved = yaml.safe_load(path.read_text())
    assert saved["send_at"] == "08:15" and saved["interests"] == {"robotics": 2, "motion <planning>": 0.5}


def test_every_page_and_change_of_a_broken_profile_is_a_503_that_writes_nothing(ws, caplog):
    path = ws.profile("ada", BROKEN)
    config = ws.config
    signer = Signer.from_config(config)
    token = signer.token("ada", NOW)
    client = create_app(config, signer, lambda: NOW).test_client()
    form = {"csrf": signer.form_token(token), "kw": ["robotics"], "weight": ["2"], "send_at": "07:00"}
    with Store(config.database) as store:  # a hard bounce, which a resubscribe lifts
        Suppressions(store).add("ada", "ada@example.org", "550 5.1.1 no such user", NOW)
    for method, where, data in [
        ("get", "", None),
        ("get", "/digest", None),
        ("post", "", form),
        ("post", "/resubscribe", form),  # (the unsubscribe pages: tests/web/test_kept_unsubscribe.py)
    ]:
        caplog.clear()
        caplog.set_level(logging.ERROR, logger="digest.web.unreadable")
        r = getattr(client, method)(f"/u/{token}{where}", data=data)
        assert r.status_code == 503, (method, where)
        said_to_the_reader(r.get_data(as_text=True), ws)
        said_in_the_log(caplog, ws)
        assert path.read_text() == BROKEN
    with Store(config.database) as store:  # the resubscribe did nothing: the bounce stays too
        assert store.db.execute("SELECT COUNT(*) FROM suppressions WHERE user = 'ada'").fetchone() == (1,)
    r = client.post(f"/u/{token}/preview", data=form)  # the live preview, if it broke after the page opened
    assert r.status_code == 503 and r.json["ok"] is False and r.json["errors"].startswith(TOLD)


def test_a_profile_that_is_not_utf8_is_said_the_same_way(ws, caplog):
    path = ws.root / "profiles" / "ada.yaml"
    path.write_bytes(PROFILE.replace("Ada", "Ad\xe9").encode("latin-1"))  # saved by an old editor
    config = ws.config
    signer = Signer.from_config(config)
    client = create_app(config, signer, lambda: NOW).test_client()
    caplog.set_level(logging.ERROR, logger="digest.web.unreadable")
    r = client.get(f"/u/{signer.token('ada', NOW)}")
    assert r.status_code == 503 and TOLD in r.get_data(as_text=True)
    assert f"{path}: cannot read the profile: line 1, column 5: byte 0xe9" in caplog.text


def test_a_working_profile_opens_as_before(ws):
    with ws.serve():
        url = ws.page_url()
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200 and b"Your digest, Ada" in response.read()


def test_a_one_click_unsubscribe_kept_neither_in_the_file_nor_in_the_database_is_a_logged_503(ws, caplog):
    """Kept nowhere: an error (the provider may try again) and the log says how to honour it."""
    path = ws.profile("ada", BROKEN)
    config = ws.config
    signer = Signer.from_config(config)
    client = create_app(config, signer, lambda: NOW).test_client()
    caplog.set_level(logging.ERROR, logger="digest.web")
    with Store(config.database) as store, failing_inserts(store, "suppressions", "disk I/O error"):
        r = client.post(f"/u/{signer.token('ada', NOW)}/unsubscribe", data={"List-Unsubscribe": "One-Click"})
    assert r.status_code >= 500 and path.read_text() == BROKEN
    (line,) = [r.getMessage() for r in caplog.records if "NOT done" in r.getMessage()]
    assert "unsubscribe of ada NOT done: they asked for no more digests" in line
    # the command as every message suggests one: in backquotes, so that the config given to
    # `digest --config PATH serve` goes into it (digest.cli.suggested)
    assert line.endswith("pause them: `digest profile set ada paused true`")
    assert carrying(line, "--config '/srv/my digest/config.yaml' ").endswith(
        "`digest --config '/srv/my digest/config.yaml' profile set ada paused true`"
    )
