"""`digest serve` reads config.yaml again when it changes, as `digest run` does: the next request
is served with the new settings (defaults the readers inherit, base_url and its path, the
templates); a config that does not load is logged and the one before is kept."""

from __future__ import annotations

import logging
import os
import re

import pytest

from digest.compose.render import builtin_templates
from digest.signing import Signer
from digest.web.app import create_app

from conftest import NOW, make_dump

PAPERS = [(f"Robotics Study {n}", f"Robots, part {n}.") for n in range(1, 4)]


@pytest.fixture
def site(web_workspace):
    web_workspace.profile("ada", "name: Ada\nemail: ada@example.org\ninterests: [robotics]\n")
    web_workspace.dump("day.txt", make_dump("Mar 14", PAPERS))
    assert web_workspace.cli("ingest").exit_code == 0
    config = web_workspace.config
    signer = Signer.from_config(config)
    return web_workspace, signer, create_app(config, signer, lambda: NOW).test_client()


def edit_config(ws, old: str, new: str) -> None:
    text = ws.config_path.read_text()
    ws.config_path.write_text(text.replace(old, new) if old else text + new)


def heading(client, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    found = re.search(r"<h1[^>]*>([^<]+)</h1>", page)
    assert found, page[:3000]
    return found[1].strip()


def test_an_edited_config_is_served_at_the_next_request(site):
    ws, signer, client = site
    ada = signer.token("ada", NOW)
    assert heading(client, f"/u/{ada}/digest") == "3 papers for Ada"
    edit_config(ws, "", "max_papers: 1\n")  # a default ada inherits
    assert heading(client, f"/u/{ada}/digest") == "1 paper for Ada"
    # base_url moved under a path (behind a proxy now): the pages are written under it
    edit_config(ws, f"base_url: {ws.base_url}\n", f"base_url: {ws.base_url}/digest\n")
    page = client.get(f"/digest/u/{ada}").get_data(as_text=True)
    assert f'action="/digest/u/{ada}"' in page
    # templates: a folder that overrides the email's heading
    (ws.root / "mine").mkdir()
    override = ws.root / "mine" / "digest.html.j2"
    html = (
        (builtin_templates() / "digest.html.j2")
        .read_text()
        .replace('<h1 class="title">', '<h1 class="title">Yours: ')
    )
    override.write_text(html)
    edit_config(ws, "", "templates: mine\n")
    assert heading(client, f"/digest/u/{ada}/digest") == "Yours: 1 paper for Ada"


def test_a_config_that_no_longer_loads_is_logged_and_the_one_before_kept(site, caplog):
    ws, signer, client = site
    ada = signer.token("ada", NOW)
    caplog.set_level(logging.INFO, logger="digest.web.site")
    edit_config(ws, "", "max_papers: lots\n")
    assert heading(client, f"/u/{ada}/digest") == "3 papers for Ada"  # served as before
    assert "configuration not read again:" in caplog.text and "max_papers" in caplog.text
    edit_config(ws, "max_papers: lots\n", "max_papers: 2\n")  # fixed: taken at once
    assert heading(client, f"/u/{ada}/digest") == "2 papers for Ada"
    assert "read again: its changes take effect now" in caplog.text


def test_a_templates_folder_that_does_not_compile_is_logged_and_the_one_before_kept(site, caplog):
    """templates: named while its digest.html.j2 is half-written: every page (unsubscribe too) was a 500."""
    ws, signer, client = site
    ada = signer.token("ada", NOW)
    caplog.set_level(logging.ERROR, logger="digest.web.site")
    (ws.root / "mine").mkdir()
    (ws.root / "mine" / "digest.html.j2").write_text("{% if %}half-written\n")
    edit_config(ws, "", "templates: mine\nmax_papers: 1\n")
    assert heading(client, f"/u/{ada}/digest") == "3 papers for Ada"  # the config before, whole
    assert client.get(f"/u/{ada}/unsubscribe").status_code == 200
    assert "configuration not read again: " in caplog.text and "digest.html.j2" in caplog.text
    (ws.root / "mine" / "digest.html.j2").unlink()  # the builtin one, then
    edit_config(ws, "max_papers: 1\n", "max_papers: 2\n")
    assert heading(client, f"/u/{ada}/digest") == "2 papers for Ada"


def test_a_changed_secret_revokes_the_links_and_a_new_port_asks_for_a_restart(site, caplog, monkeypatch):
    ws, signer, client = site
    ada = signer.token("ada", NOW)
    caplog.set_level(logging.WARNING, logger="digest.web.site")
    monkeypatch.setenv("DIGEST_OTHER_SECRET", "another-secret-0123456789abcdef0")
    edit_config(ws, "secret_env: DIGEST_TEST_SECRET", "secret_env: DIGEST_OTHER_SECRET\n  port: 8999")
    assert client.get(f"/u/{ada}").status_code == 403
    assert (
        client.get(f"/u/{Signer(b'another-secret-0123456789abcdef0').token('ada', NOW)}").status_code == 200
    )
    assert "the signing secret changed" in caplog.text
    assert "web.host or web.port changed" in caplog.text and "restart `digest serve`" in caplog.text
    assert os.environ["DIGEST_TEST_SECRET"]  # the test's own secret is untouched


def test_a_new_secret_in_web_secret_file_is_taken_as_digest_run_takes_it(site, caplog):
    """The secret rotated in its file (a link leaked), config.yaml untouched: `digest run` signs
    the next emails with the new one, so serve must open those links, and no longer the old."""
    ws, _, client = site
    caplog.set_level(logging.WARNING, logger="digest.web.site")
    secret = ws.root / "web-secret"
    secret.write_text("first-secret-0123456789abcdef0123\n")
    edit_config(ws, "secret_env: DIGEST_TEST_SECRET", "secret_file: web-secret")
    old = Signer.from_config(ws.config).token("ada", NOW)
    assert client.get(f"/u/{old}").status_code == 200
    secret.write_text("rotated-secret-0123456789abcdef01234\n")
    new = Signer.from_config(ws.config).token("ada", NOW)  # what the emails sent from now on carry
    assert new != old
    assert client.get(f"/u/{new}").status_code == 200
    assert client.get(f"/u/{old}").status_code == 403
    assert "the signing secret changed" in caplog.text
    secret.unlink()  # gone: said, and the secret read before is kept
    assert client.get(f"/u/{new}").status_code == 200
    assert "configuration not read again: web.secret_file: cannot read" in caplog.text
