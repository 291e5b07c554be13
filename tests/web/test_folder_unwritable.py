"""A profiles folder the account running `digest serve` may read but not write (root's, 0755; the
server runs as nobody): a change asked on a reader's page is not saved, and that is said as the
folder the operator must make writable, not as the reader's file having a mistake. Before: the
page's "Undo: send my digests again" answered 503 "Your profile cannot be read right now: the file
that holds your digest's settings has a mistake ... no new digest is made for you" (the file was
sound), the log "the profile of cy cannot be read ... until the file is fixed"; a save said the
server's folder to the reader ("cannot write cy.yaml: Permission denied in /tmp/.../profiles");
and where no edit had made the profile's lock file yet, a one-click unsubscribe was a 500 (the
lock file's DigestError, a traceback in the log). The real `digest serve` as nobody, Chromium."""

from __future__ import annotations

import os
import site
import subprocess
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers.accounts import system_python
from playwright.sync_api import expect
from test_folder_unsearched import answer

from digest.deliver.suppressions import Suppressions
from digest.store import Store

from conftest import AS_NOBODY, ROOT, SECRET, WebWorkspace

CY = "email: cy@example.org\ninterests: [spiking attention]\npaused: true\n"
DEE = "name: Dee\nemail: dee@example.org\ninterests: [robotics]\n"
FIX = "make the profiles folder writable for this account"


@contextmanager
def served_as_nobody(smtp_port: int) -> Iterator[tuple[WebWorkspace, dict[str, str], list[str]]]:
    """A workspace nobody's but its profiles folder (root's, 0755: nobody reads its files, makes
    none), served by `digest serve` as nobody; the readers' links; the server's log once it ends."""
    python = system_python()
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        root.chmod(0o755)
        ws = WebWorkspace(root, smtp_port)
        ws.profile("cy", CY)
        ws.profile("dee", DEE)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *site.getsitepackages()])}
        env.update(HOME=str(root), DIGEST_TEST_SECRET=SECRET)
        env.pop("DIGEST_DEBUG", None)
        links = {user: ws.page_url(user) for user in ("cy", "dee")}
        for path in [root, *root.rglob("*")]:
            os.chown(path, 65534, 65534)
        os.chown(root / "profiles", 0, 0)
        command = [*AS_NOBODY, python, "-m", "digest", "--config", str(ws.config_path), "serve"]
        log: list[str] = []
        with subprocess.Popen(
            [*command, "--port", str(ws.port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as serving:
            try:
                assert answer(links["cy"], serving)[0] == 200
                yield ws, links, log
            finally:
                serving.terminate()
                log.append("".join(serving.communicate(timeout=30)))


def test_a_change_a_profiles_folder_may_not_take_is_said_as_the_folder_to_make_writable(
    smtp_server, browser, monkeypatch
):
    monkeypatch.setenv("DIGEST_TEST_SECRET", SECRET)  # the links signed here
    if os.geteuid() != 0:
        pytest.skip("needs root, to run the server as nobody")
    with served_as_nobody(smtp_server.port) as (ws, links, log):
        profiles = ws.root / "profiles"
        # no edit yet: the one-click unsubscribe cannot make dee's lock file; kept in the database
        one_click = urllib.request.Request(
            links["dee"] + "/unsubscribe", data=b"List-Unsubscribe=One-Click", method="POST"
        )
        with urllib.request.urlopen(one_click, timeout=60) as unsubscribed:
            assert unsubscribed.status == 200 and "You are unsubscribed" in unsubscribed.read().decode()
        (profiles / ".cy.yaml.lock").touch()  # made by root's `digest profile set` before
        page = browser.new_page()
        page.goto(links["cy"] + "/unsubscribe")
        page.get_by_role("button", name="Undo: send my digests again").click()
        expect(page.locator("h1")).to_have_text("This page is not available until the digest is repaired")
        expect(page.locator("main")).not_to_contain_text("has a mistake")
        page.close()
        assert (profiles / "cy.yaml").read_text() == CY
        with Store(ws.config.database) as store:  # what `digest suppressed` and `status` say of it
            kept = Suppressions(store).unsubscribed("dee")
    said = log[0]
    assert "Traceback" not in said, said
    assert f"cannot save {profiles}/cy.yaml: Permission denied; {FIX}, then save again" in said, said
    assert f"cannot save {profiles}/dee.yaml: Permission denied; {FIX}, then save again" in said, said
    assert "unsubscribe of dee kept in the database (their profile file cannot be written)" in said, said
    # the folder's permissions, not a disk: what the log and `digest suppressed` / `status` say
    writable = (
        "once the profiles folder is writable for this account (or now, by an account that may write it)"
    )
    assert writable in said and "profile set dee paused true` writes it into the file" in said, said
    assert "remounted read-write" not in said, said
    assert kept is not None and "the profiles folder not writable for the server's account" in kept.describe()
    assert "disk full" not in kept.describe(), kept.describe()
    assert "the profile of cy cannot be read" not in said, said


def test_a_save_the_profiles_folder_may_not_take_names_no_folder_of_the_server_to_the_reader(
    smtp_server, browser, monkeypatch
):
    monkeypatch.setenv("DIGEST_TEST_SECRET", SECRET)  # the links signed here
    if os.geteuid() != 0:
        pytest.skip("needs root, to run the server as nobody")
    with served_as_nobody(smtp_server.port) as (ws, links, _):
        (ws.root / "profiles" / ".dee.yaml.lock").touch()  # made by root's `digest profile set` before
        page = browser.new_page()
        page.goto(links["dee"])
        page.locator('input[name="kw"]').first.fill("soft robotics")
        page.locator("#save").click()
        errors = page.locator("#errors")
        expect(errors).to_contain_text(f"cannot save dee.yaml: Permission denied; {FIX}, then save again")
        assert str(ws.root) not in errors.inner_text()
        page.close()
