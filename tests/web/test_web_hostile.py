"""Hostile requests to the preferences page get a 4xx, cheaply; `digest serve` runs on waitress."""

from __future__ import annotations

import contextlib
import datetime as dt
import subprocess
import urllib.request

import pytest
from helpers.disks import tmpfs

from digest.db import wall_clock
from digest.profiles.load import MAX_INTERESTS, MAX_KEYWORD
from digest.signing import Signer
from digest.web.app import create_app

from conftest import NOW, make_dump

PROFILE = "email: ada@example.org\ninterests:\n  robotics: 2\n"
HANG = 300  # seconds: only a process that hangs takes this long, however busy the machine


@pytest.fixture
def site(web_workspace):
    ws = web_workspace.with_ada(PROFILE)
    config = ws.config
    signer = Signer.from_config(config)
    return ws, signer, create_app(config, signer, lambda: NOW).test_client()


def test_a_non_ascii_mac_or_form_token_is_a_403_not_a_500(site):
    ws, signer, client = site
    ada = signer.token("ada", NOW)
    head = ada.split(".")[0]
    assert client.get(f"/u/{head}.é{'x' * 40}").status_code == 403
    r = client.post(f"/u/{ada}", data={"csrf": "é" * 43, "kw": ["robotics"], "weight": ["2"]})
    assert r.status_code == 403
    assert (ws.root / "profiles" / "ada.yaml").read_text() == PROFILE


def test_a_max_papers_of_5000_digits_is_a_clear_422(site):
    ws, signer, client = site
    ada = signer.token("ada", NOW)
    data = {"csrf": signer.form_token(ada), "kw": ["robotics"], "weight": ["2"], "max_papers": "9" * 5000}
    r = client.post(f"/u/{ada}", data=data)
    assert r.status_code == 422
    assert b"max_papers: must be a whole number" in r.data
    assert (ws.root / "profiles" / "ada.yaml").read_text() == PROFILE


def test_too_many_or_too_long_keywords_are_refused_with_the_limit(site):
    ws, signer, client = site
    ada = signer.token("ada", NOW)
    many = {"csrf": signer.form_token(ada), "kw": [f"k{i}" for i in range(8000)], "weight": ["1"] * 8000}
    r = client.post(f"/u/{ada}/preview", data=many)  # refused at once: not quadratic in 8,000
    assert r.status_code == 200 and not r.json["ok"]
    assert f"over the limit of {MAX_INTERESTS}" in r.json["errors"]
    long = {"csrf": signer.form_token(ada), "kw": ["x" * 420_000], "weight": ["1"]}
    r = client.post(f"/u/{ada}", data=long)
    assert r.status_code == 422 and f"at most {MAX_KEYWORD}".encode() in r.data


def test_a_form_body_over_the_limit_is_413_before_it_is_read(site):
    from digest.web.app import MAX_FORM_BYTES

    ws, signer, client = site
    ada = signer.token("ada", NOW)
    huge = {
        "csrf": signer.form_token(ada),
        "kw": ["robotics"],
        "weight": ["2"],
        "new_kw": "x" * MAX_FORM_BYTES,
    }
    assert client.post(f"/u/{ada}", data=huge).status_code == 413
    assert (ws.root / "profiles" / "ada.yaml").read_text() == PROFILE


def test_digest_serve_runs_on_waitress_and_refuses_a_taken_port_before_printing_links(web_workspace):
    # No step is timed: on a loaded machine (a second test run beside this one) the start took
    # longer than the 20 s it was given. "Serving on" is printed once the port is bound, so the
    # request made then waits in the listening socket's queue until the server takes it; HANG
    # only ends a process that hangs. The server is stopped with SIGTERM: a SIGINT was ignored
    # when the test run was started in the background by a shell (`pytest &`: SIGINT ignored,
    # as its children inherit), and the server was left running, its port taken.
    web_workspace.profile("ada", PROFILE)
    with web_workspace.served(HANG):
        with urllib.request.urlopen(f"{web_workspace.base_url}/", timeout=HANG) as r:
            assert "werkzeug" not in r.headers.get("Server", "").lower()
        second = subprocess.run(web_workspace.serve_command(), capture_output=True, text=True, timeout=HANG)
        assert second.returncode == 1
        assert "/u/" not in second.stdout  # no reader links printed before the error
        assert "already in use" in second.stderr


def test_a_token_whose_name_part_is_altered_but_decodes_to_the_same_reader_is_refused(site):
    ws, signer, client = site
    head, at, mac = signer.token("ada", NOW).split(".")
    _, legacy = signer.legacy_token("ada").split(".")  # the form of the links sent before schema 19
    assert head == "YWRh"
    for altered in ("YW!Rh", "YWRh==", "Y W R h"):  # base64 decoding skips these
        assert client.get(f"/u/{altered}.{at}.{mac}").status_code == 403, altered
        assert client.get(f"/u/{altered}.{legacy}").status_code == 403, altered
    eve = signer.token(
        "eve1", NOW
    )  # its last character has bits that decoding drops: "MQ" and "MR" decode alike
    assert signer.user(eve) == "eve1"
    assert signer.user(eve.replace("MQ.", "MR.")) is None


def test_a_signing_time_of_5000_digits_is_a_403_not_a_500(site):
    """int() refuses a number of more than 4,300 digits (a ValueError): read as any other forgery."""
    ws, signer, client = site
    head, _, mac = signer.token("ada", NOW).split(".")
    assert client.get(f"/u/{head}.{'9' * 5000}.{mac}").status_code == 403
    assert client.get(f"/u/{head}.{'9' * 5000}.{mac}/unsubscribe").status_code == 403


def test_a_resubscribe_the_database_cannot_complete_leaves_the_reader_paused(web_workspace, tmp_path):
    ws = web_workspace
    with tmpfs(tmp_path, "2m") as disk:
        text = ws.config_path.read_text().replace("database: digest.db", f"database: {disk}/digest.db")
        ws.config_path.write_text(text)
        path = ws.profile("ada", PROFILE + "paused: true\n")
        ws.dump("day.txt", make_dump("Mar 14", [("Robotics Today", "Robots.")]))
        assert ws.cli("ingest").exit_code == 0
        signer = Signer.from_config(ws.config)
        client = create_app(ws.config, signer, lambda: NOW).test_client()
        ada = signer.token("ada", NOW)
        filler = disk / "filler"
        with filler.open("wb", buffering=0) as f, contextlib.suppress(OSError):
            while True:
                f.write(b"\0" * 4096)
        r = client.post(f"/u/{ada}/resubscribe", data={"csrf": signer.form_token(ada)})
        assert r.status_code == 503 and b"Please try again in a few minutes" in r.data
        assert path.read_text() == PROFILE + "paused: true\n"  # not half done: still paused
        filler.unlink()
        assert client.post(f"/u/{ada}/resubscribe", data={"csrf": signer.form_token(ada)}).status_code == 303
        assert path.read_text() == PROFILE + "paused: false\n"


def test_the_preferences_page_opens_while_the_database_cannot_be_read(site):
    # The page edits the profile file; only its list of ratings needs the database. A save that
    # succeeded is followed by this page: a 503 then would read as a failed save.
    ws, signer, client = site
    ws.root.joinpath("digest.db").write_bytes(b"not a database " * 512)
    # a link signed after the file last changed: its reader's (digest.web.identity.unchanged_since)
    r = client.get(f"/u/{signer.token('ada', wall_clock() + dt.timedelta(seconds=1))}")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "Your ratings cannot be shown until the person who runs your digest repairs" in page  # corrupt
    assert 'value="robotics"' in page


def test_a_profile_that_is_a_symbolic_link_to_a_share_not_mounted_is_a_403_not_a_removed_reader(
    site, tmp_path
):
    """Its reader was not removed (as the renames and the passes count it too:
    digest.profiles.load.has_profile_file): never told that no more digests come."""
    ws, signer, client = site
    (ws.root / "profiles" / "eve.yaml").symlink_to(tmp_path / "share" / "eve.yaml")  # dangling
    r = client.get(f"/u/{signer.token('eve', NOW)}")
    assert r.status_code == 403 and "no longer receives digests" not in r.get_data(as_text=True)


def test_a_409_whose_form_says_its_keywords_were_drawn_otherwise_keeps_what_it_sent(site):
    # the keywords a page drew (shown_interests) are read back at a 409 to merge them one by one:
    # a form that says them in no way a page writes them (a forged one) is an old page's, not a 500
    ws, signer, client = site
    ada = signer.token("ada", NOW)
    for shown in ("not json", "[" * 5000, '[["robotics"]]', '{"robotics": 2}', "[1]"):
        data = {"csrf": signer.form_token(ada), "base_version": "0123456789abcdef", "shown_interests": shown}
        r = client.post(f"/u/{ada}", data={**data, "kw": ["robotics"], "weight": ["3"]})
        assert r.status_code == 409 and 'name="kw" value="robotics"' in r.get_data(as_text=True)
        assert 'aria-label="Weight of robotics"' in r.get_data(as_text=True)
        assert 'name="weight" value="3"' in r.get_data(as_text=True)
    assert (ws.root / "profiles" / "ada.yaml").read_text() == PROFILE
