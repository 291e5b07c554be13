"""The web's 503 tells a passing trouble (the database locked, the disk full: "try again in a few
minutes") from one that lasts until the operator fixes it (the database's folder gone, a schema
newer than this version, a corrupt file, the profiles folder gone): the page says so, names no
path or version, and the server's log has the detail and the fix."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from helpers.disks import tmpfs

from digest.db import wall_clock
from digest.signing import Signer
from digest.web.app import create_app

from conftest import NOW, make_dump

PROFILE = "email: ada@example.org\ninterests:\n  robotics: 2\n"
LASTING = "This will not pass by itself: the person who runs your digest needs to fix it"


@pytest.fixture
def site(web_workspace):
    web_workspace.profile("ada", PROFILE)
    web_workspace.dump("day.txt", make_dump("Mar 14", [("Robotics Today", "Robots.")]))
    text = web_workspace.config_path.read_text().replace("database: digest.db", "database: data/digest.db")
    web_workspace.config_path.write_text(text)
    (web_workspace.root / "data").mkdir()
    assert web_workspace.cli("ingest").exit_code == 0
    config = web_workspace.config
    signer = Signer.from_config(config)
    return web_workspace, signer, create_app(config, signer, lambda: NOW).test_client()


def newer_schema(ws) -> None:
    db = sqlite3.connect(ws.root / "data" / "digest.db")
    db.execute("PRAGMA user_version = 999")
    db.close()


@pytest.mark.parametrize(
    "break_it, logged",
    [
        (lambda ws: shutil.rmtree(ws.root / "data"), "the database's folder"),  # a disk not mounted
        (newer_schema, "newer than this digest understands ("),
    ],
    ids=["database-folder-gone", "newer-schema"],
)
def test_a_database_unusable_until_fixed_says_the_operator_must_fix_it(site, caplog, break_it, logged):
    ws, signer, client = site
    ada = signer.token("ada", wall_clock() + dt.timedelta(seconds=1))  # the file unchanged since
    break_it(ws)
    caplog.set_level(logging.ERROR, logger="digest.web.app")
    for r in (client.get(f"/u/{ada}/more/1"), client.get(f"/u/{ada}/digest")):
        page = r.get_data(as_text=True)
        assert r.status_code == 503 and "Retry-After" not in r.headers
        assert LASTING in page and "try again in a few minutes" not in page
        shown = page.replace(ada, "TOKEN")  # the link's signed expiry may hold "999" itself
        assert str(ws.root) not in shown and "digest.db" not in shown and "999" not in shown
    assert logged in caplog.text and str(ws.root / "data" / "digest.db") in caplog.text
    assert "waiting will not help" in caplog.text
    page = client.get(f"/u/{ada}").get_data(as_text=True)  # the page of the profile file still opens
    assert "Your ratings cannot be shown until the person who runs your digest repairs" in page


def test_a_profiles_folder_gone_is_a_lasting_503_not_a_removed_reader(site, caplog):
    ws, signer, client = site
    shutil.rmtree(ws.root / "profiles")  # unmounted: ada was not removed
    caplog.set_level(logging.ERROR, logger="digest.web.app")
    r = client.get(f"/u/{signer.token('ada', NOW)}")
    assert r.status_code == 503 and LASTING in r.get_data(as_text=True)
    assert "no longer receives digests" not in r.get_data(as_text=True)
    assert f"the profiles folder {ws.root / 'profiles'} is gone" in caplog.text


def test_a_profiles_folder_gone_under_digest_serve_names_the_config_file_that_names_it(web_workspace):
    """A real `digest serve`: its log said "the profiles folder ... is gone" without the config file
    to fix, where the CLI's error names it ("... or fix `profiles:` in .../config.yaml")."""
    ws = web_workspace
    ws.profile("ada", PROFILE)
    ada = f"{ws.base_url}/u/{Signer.from_config(ws.config).token('ada', wall_clock())}"
    with ws.served() as serve:
        serve.stdout.readline()  # ada's link: the start, which reads the profiles folder, is done
        shutil.rmtree(ws.root / "profiles")  # unmounted
        status = answered(ada)
        serve.terminate()
        said = serve.communicate(timeout=30)[1]
    assert status == 503, said
    gone = f"the profiles folder {ws.root / 'profiles'} is gone: mount or restore it, or fix `profiles:` in "
    assert f"{gone}{ws.config_path} (the pages" in said, said  # was: "is gone (the pages ..."


def answered(url: str) -> int | None:
    """The status of a GET of ``url``; None if nothing answers there (yet)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as done:
            return done.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return None


def test_a_one_click_unsubscribe_into_an_empty_profiles_folder_is_not_answered_done(site, caplog):
    """An empty folder may be a disk not mounted (its mount point): a 200 to the mail provider's
    one-click POST would be lost when the disk is back, and the reader's digests would go on;
    a 503 is tried again. (A person following the link is told the address gets no digests.)"""
    ws, signer, client = site
    ada = signer.token("ada", NOW)
    (ws.root / "profiles" / "ada.yaml").unlink()  # the folder is there, empty
    caplog.set_level(logging.ERROR, logger="digest.web.app")
    r = client.post(f"/u/{ada}/unsubscribe", data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 503 and LASTING in r.get_data(as_text=True)
    assert f"the profiles folder {ws.root / 'profiles'} is empty" in caplog.text
    (ws.root / "profiles" / "grace.yaml").write_text(PROFILE.replace("ada@", "grace@"))
    r = client.post(f"/u/{ada}/unsubscribe", data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 200 and "no longer receives digests" in r.get_data(as_text=True)


# A passing trouble (a full disk, on a real small tmpfs): tests/web/test_ratings.py and
# test_web_hostile.py, "Please try again in a few minutes" with a Retry-After.


def test_digest_serve_says_at_the_start_that_the_database_needs_fixing(site):
    ws, _, _ = site
    newer_schema(ws)
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
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().startswith("Serving on")  # it serves: the profile pages work
    finally:
        server.terminate()
        _, err = server.communicate(timeout=10)
    assert "warning: " in err and "newer than this digest understands" in err
    assert "the pages that need it answer 503 until then" in err


def test_a_removed_readers_link_on_a_read_only_database_says_410_not_503(web_workspace, tmp_path):
    """Whether a renamed file continues a removed reader is only read; the database is opened for
    writing only when it does (a carry-over to make)."""
    ws = web_workspace
    with tmpfs(tmp_path, "4m") as disk:
        text = ws.config_path.read_text().replace("database: digest.db", f"database: {disk}/digest.db")
        ws.config_path.write_text(text)
        ws.profile("ada", PROFILE)
        ws.profile("eve", PROFILE.replace("ada@", "eve@"))
        ws.dump("day.txt", make_dump("Mar 14", [("Robotics Today", "Robots.")]))
        assert ws.cli("ingest").exit_code == 0 and ws.cli("send").exit_code == 0  # eve had a digest
        (ws.root / "profiles" / "eve.yaml").unlink()
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        config = ws.config
        signer = Signer.from_config(config)
        client = create_app(config, signer, lambda: NOW).test_client()
        r = client.get(f"/u/{signer.token('eve', NOW)}")
        assert r.status_code == 410 and "no longer receives digests" in r.get_data(as_text=True)
        assert client.get(f"/u/{signer.token('ada', NOW)}").status_code == 200


def test_a_template_of_the_operators_folder_that_fails_is_a_503_to_fix_with_its_line_in_the_log(site, caplog):
    """The reader's preview answered 500 'Internal Server Error', a traceback in the log."""
    ws, signer, client = site
    folder = ws.root / "my-templates"
    folder.mkdir()
    (folder / "digest.txt.j2").write_text("Top paper: {{ papers[0].title }}\n")
    ws.config_path.write_text(ws.config_path.read_text() + "templates: my-templates\n")
    ws.profile("dan", "email: dan@example.org\ninterests: [basket weaving]\nsend_empty: true\n")
    client = create_app(ws.config, signer, lambda: NOW).test_client()
    caplog.set_level(logging.ERROR, logger="digest.web.app")
    r = client.get(f"/u/{signer.token('dan', wall_clock())}/digest")
    page = r.get_data(as_text=True)
    assert r.status_code == 503 and LASTING in page and "my-templates" not in page
    assert f"{folder / 'digest.txt.j2'}, line 1: list object has no element 0" in caplog.text
