"""What a new user meets following the README: the commands' words say what is so."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

import digest.demo
from digest.cli import main
from digest.demo.http_server import LocalHttpServer, Route

from conftest import Workspace, make_dump

PAPERS = [(f"Spiking Networks Part {n}", "We study spiking neural networks.") for n in range(1, 6)]


def test_rank_next_shows_what_the_next_digest_holds_and_no_more(workspace):
    workspace.dump("day.txt", make_dump("Mar 14", PAPERS))
    workspace.profile("ada", "email: ada@example.org\ninterests: [spiking neural networks]\nmax_papers: 2\n")
    assert workspace.cli("ingest").exit_code == 0
    shown = workspace.cli("rank", "ada", "--next")
    assert shown.exit_code == 0, shown.output
    assert [line.split()[0] for line in shown.output.splitlines() if "Spiking" in line] == ["1.", "2."]
    more = workspace.cli("rank", "ada", "--next", "--limit", "4").output.splitlines()
    assert "     (ada's next digest holds the 2 above (max_papers: 2); below, the rest of its window)" in more
    assert (
        more.index(
            "     (ada's next digest holds the 2 above (max_papers: 2); below, the rest of its window)"
        )
        == 4
    )
    assert sum("Spiking" in line for line in more) == 4
    assert sum("Spiking" in line for line in workspace.cli("rank", "ada").output.splitlines()) == 5


def test_rank_next_json_marks_where_the_next_digest_ends(workspace):
    """`rank ada --next --limit 4 --json` printed four rows alike: nothing told a script that
    only the first two (max_papers: 2) are the next digest, as the text form's line does."""
    workspace.dump("day.txt", make_dump("Mar 14", PAPERS))
    workspace.profile("ada", "email: ada@example.org\ninterests: [spiking neural networks]\nmax_papers: 2\n")
    assert workspace.cli("ingest").exit_code == 0
    rows = json.loads(workspace.cli("rank", "ada", "--next", "--limit", "4", "--json").output)
    assert [row.get("in_next_digest") for row in rows] == [True, True, False, False], rows
    archive = json.loads(workspace.cli("rank", "ada", "--json").output)  # no --next: as before
    assert archive and all("in_next_digest" not in row for row in archive)


def test_a_fetched_listing_is_said_by_fetch_as_the_demo_says_it(workspace, tmp_path, monkeypatch):
    sample = Path(digest.demo.__file__).with_name("sample") / "fetch" / "daily_papers.json"
    with LocalHttpServer({"/api/daily_papers": Route(sample.read_bytes())}) as server:
        text = workspace.config_path.read_text() + "sources:\n  - kind: hf_daily\n"
        # the sample's day, as the demo asks for it (its papers were put on the page of 2026-03-04)
        url = f"{server.url('')}/api/daily_papers?date=2026-03-04"
        workspace.config_path.write_text(text + f"    url: {url}\n")
        fetched = workspace.cli("fetch")
    assert fetched.exit_code == 0, fetched.output
    # before: "hf_daily: listing: 4 papers of 2026-03-04: 4 new, 0 known", a word the demo,
    # `digest status` and every other line leave out
    assert fetched.output == "hf_daily: 4 papers of 2026-03-04: 4 new, 0 known\n"
    monkeypatch.chdir(tmp_path)
    demo = CliRunner().invoke(main, ["demo"])
    said = re.search(r"^  fetched hf_daily from \S+: (.*)$", demo.output, re.M)
    assert said and said.group(1) == "4 papers of 2026-03-04: 3 new, 1 known"


def test_a_source_answered_404_names_the_key_of_its_address(workspace):
    with LocalHttpServer({}) as server:  # every path: 404
        text = workspace.config_path.read_text() + "sources:\n  - kind: hf_daily\n"
        workspace.config_path.write_text(
            text + f"    url: {server.url('')}/gone?date={{date}}\n" + "  - kind: hf_daily\n    name: own\n"
        )
        fetched = workspace.cli("fetch", "--source", "hf_daily")
        # before: "hf_daily: failed: http://127.0.0.1:.../gone?date=...: HTTP 404 Not Found", no word of where
        assert fetched.exit_code == 1
        assert fetched.output.rstrip().endswith(
            f"HTTP 404 Not Found; check the source's url: sources[0].url in {workspace.config_path}"
        ), fetched.output
    status = workspace.cli("status").output
    assert f"404 Not Found; check the source's url: sources[0].url in {workspace.config_path}" in status
    config = workspace.config  # the second, at hf_daily's own address (not asked here: no network)
    said = config.sources[1].url_note(config.sources, config.path, 404)
    assert said == f"; the hf_daily service's own address: if it moved, set sources[1].url in {config.path}"
    assert config.sources[1].url_note(config.sources, config.path, 500) == ""


def test_a_profiles_folder_not_there_is_named_in_full_with_the_config_file_that_names_it(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("DIGEST_CONFIG")  # found as ./config.yaml, in its folder
    # Before: a user in the config's folder was told "profiles: the profiles folder does not exist;
    # create it and ..., or fix `profiles:` in the config", the file to fix not named, where the
    # inbox's says "/.../inbox: the inbox folder does not exist; create it or fix `inbox:` in config.yaml"
    ws = Workspace(tmp_path)
    (tmp_path / "profiles").rmdir()
    said = (
        f"{tmp_path / 'profiles'}: the profiles folder does not exist; create it and add one <user>.yaml "
        "per reader (`digest profile new USER --email ADDR -i KEYWORD`), or fix `profiles:` in config.yaml"
    )
    here = [sys.executable, "-m", "digest"]  # the config found in the folder, as ./config.yaml
    status = subprocess.run([*here, "status"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert f"Profiles folder problem (no reader's file read):\n  {said}\n" in status.stdout, status.stdout
    made = subprocess.run(
        [*here, "profile", "new", "ada", "--email", "ada@example.org", "-i", "robots"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert made.returncode == 1
    assert made.stderr.endswith("create it and run this again, or fix `profiles:` in config.yaml\n"), (
        made.stderr
    )
    assert ws.config_path.exists()


def test_a_404_kept_for_status_names_the_config_file_in_full(tmp_path):
    # Before: `digest --config <folder>/config.yaml fetch` run from the folder above stored
    # "...; check the source's url: sources[0].url in <folder>/config.yaml", and `digest status`
    # run in the config's folder showed that path, a file that is not there from where it is read
    ws = Workspace(tmp_path)
    here = [sys.executable, "-m", "digest"]
    with LocalHttpServer({}) as server:  # every path: 404
        text = ws.config_path.read_text() + "sources:\n  - kind: url\n    name: mine\n"
        ws.config_path.write_text(text + f"    url: {server.url('')}/nothing.json\n")
        named = f"{tmp_path.name}/config.yaml"
        fetched = subprocess.run(
            [*here, "--config", named, "fetch"],
            capture_output=True,
            text=True,
            cwd=tmp_path.parent,
            timeout=120,
        )
    assert fetched.returncode == 1
    said = f"HTTP 404 Not Found; check the source's url: sources[0].url in {tmp_path / 'config.yaml'}"
    assert fetched.stdout.rstrip().endswith(said), fetched.stdout
    status = subprocess.run([*here, "status"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert "Source mine: FETCH FAILED at " in status.stdout and f"{said}\n" in status.stdout, status.stdout


def test_rank_next_of_a_paused_reader_says_no_digest_goes_to_them(workspace):
    # Before: `digest rank ada --next` for a paused reader listed her "next digest" ("ada's next
    # digest holds the 2 above" under a larger --limit) with no word that `digest send` sends her
    # nothing, where `send --dry-run` says "paused: gets nothing until `digest profile set ada paused
    # false`" and `preview` a note
    workspace.dump("day.txt", make_dump("Mar 14", PAPERS))
    workspace.profile(
        "ada", "email: ada@example.org\ninterests: [spiking neural networks]\nmax_papers: 2\npaused: true\n"
    )
    assert workspace.cli("ingest").exit_code == 0
    here = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "rank", "ada", "--next"]
    shown = subprocess.run([*here, "--limit", "3"], capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert shown.stderr == (
        "note: ada is paused: `digest send` sends them nothing until `digest profile set ada paused false`.\n"
    )
    assert [line.split()[0] for line in shown.stdout.splitlines() if "Spiking" in line] == ["1.", "2.", "3."]
    as_json = subprocess.run([*here, "--json"], capture_output=True, text=True, timeout=120)
    assert len(json.loads(as_json.stdout)) == 2 and "is paused" in as_json.stderr  # stdout: the JSON alone


def test_a_saved_404_names_the_sources_key_as_the_config_is_now(workspace):
    """The key in a fetch's saved note is the config's at the fetch: a source added above it
    before `digest status` made status send the user to the other source's url (sources[0])."""
    with LocalHttpServer({}) as server:  # every path: 404
        text = workspace.config_path.read_text()
        gone = f"  - kind: url\n    name: gone\n    url: {server.url('/gone')}\n"
        workspace.config_path.write_text(text + "sources:\n" + gone)
        assert workspace.cli("fetch").exit_code == 1
    added = "  - kind: url\n    name: added\n    url: https://example.org/papers.json\n"
    workspace.config_path.write_text(text + "sources:\n" + added + gone)
    (line,) = [s for s in workspace.cli("status").output.splitlines() if s.startswith("Source gone:")]
    assert line.endswith(
        f"404 Not Found; check the source's url: sources[1].url in {workspace.config_path}"
    ), line


def test_rank_next_json_of_a_paused_reader_marks_no_row_in_the_next_digest(workspace):
    """A paused reader: `digest send` sends them nothing (said on stderr), but `rank ada --next
    --json` marked their first max_papers rows "in_next_digest": true, which a script reading
    stdout took for what ada gets. None is now; the note stays."""
    workspace.dump("day.txt", make_dump("Mar 14", PAPERS))
    profile = "email: ada@example.org\ninterests: [spiking neural networks]\nmax_papers: 2\n"
    workspace.profile("ada", profile + "paused: true\n")
    assert workspace.cli("ingest").exit_code == 0
    command = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "rank", "ada"]
    ranked = subprocess.run([*command, "--next", "--limit", "3", "--json"], capture_output=True, text=True)
    assert ranked.returncode == 0, ranked.stderr
    rows = json.loads(ranked.stdout)
    assert [row["in_next_digest"] for row in rows] == [False, False, False], rows  # was: True, True, False
    assert (
        "note: ada is paused: `digest send` sends them nothing until `digest profile set ada" in ranked.stderr
    )
    workspace.profile("ada", profile)  # resumed: the digest's rows marked again
    ranked = subprocess.run([*command, "--next", "--limit", "3", "--json"], capture_output=True, text=True)
    assert [row["in_next_digest"] for row in json.loads(ranked.stdout)] == [True, True, False]
