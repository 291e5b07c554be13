"""Editing profiles from the command line: comments kept, invalid edits refused, no lost edits."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from helpers.last_keyword import REFUSED, removing_the_last

from digest.models import Profile
from digest.options import declared
from digest.profiles.load import load_profile, read_profiles

from conftest import ROOT

GOLDEN = Path(__file__).parent.parent / "golden"
pytestmark = pytest.mark.usefixtures("drafts_in_tmp")  # a kept draft: in the test's folder


def test_cli_edits_keep_comments_order_and_layout(workspace):
    path = workspace.profile("ada", (GOLDEN / "profile-before.yaml").read_text())
    steps = [
        ("add", "ada", "surrogate gradients"),
        ("add", "ada", "neuromorphic", "--weight", "2.5"),
        ("add", "ada", "yes", "--weight", "2"),  # PyYAML would read a bare yes as true
        ("remove", "ada", "Event  Cameras"),  # case and spacing do not matter
        ("exclude", "ada", "robotics"),
        ("set", "ada", "timezone", "Europe/Paris"),
        ("set", "ada", "send_at", "08:15"),
        ("set", "ada", "max_papers", "7"),
        ("set", "ada", "paused", "true"),
    ]
    for step in steps:
        result = workspace.cli("profile", *step)
        assert result.exit_code == 0, (step, result.output)
        assert "saved" in result.output
    after = path.read_text()
    golden = GOLDEN / "profile-after.yaml"
    if os.environ.get("DIGEST_UPDATE_GOLDEN"):
        golden.write_text(after)
    assert after == golden.read_text()
    data = yaml.safe_load(after)  # still plain YAML for PyYAML
    assert data["interests"] == {
        "spiking neural networks": 3,
        "neuromorphic": 2.5,
        "surrogate gradients": 1,
        "yes": 2,
    }
    assert data["send_at"] == "08:15" and data["paused"] is True
    assert not list(path.parent.glob(".*.tmp"))


def test_a_weight_turns_a_keyword_list_into_a_mapping_and_keeps_comments(workspace):
    path = workspace.profile(
        "bob",
        "email: bob@example.org\ninterests:   # mine\n  - robotics   # since 2020\n  - control\n",
    )
    assert workspace.cli("profile", "add", "bob", "planning").exit_code == 0
    assert path.read_text().endswith("  - control\n  - planning\n")  # weight 1: still a list
    result = workspace.cli("profile", "add", "bob", "control", "--weight", "3")
    assert result.exit_code == 0, result.output
    assert path.read_text() == (
        "email: bob@example.org\ninterests:   # mine\n"
        "  robotics: 1  # since 2020\n  control: 3\n  planning: 1\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("set", "ada", "max_papers", "0"), "max_papers: must be a whole number from 1 to 1000, got 0"),
        (("set", "ada", "timezone", "Mars/Base"), "timezone: 'Mars/Base' is not a known IANA time zone"),
        (("set", "ada", "send_at", "25:00"), "send_at: '25:00' is not a time of day like \"07:30\""),
        (("set", "ada", "colour", "blue"), "colour: not a profile key"),
        (("add", "ada", "neuromorphic"), "'neuromorphic' is already there"),
        (("remove", "ada", "quantum"), "no keyword 'quantum' to remove"),
        (("set", "ada", "weekday", "friday"), "weekday: only used with frequency: weekly"),
    ],
)
def test_an_invalid_edit_is_refused_and_the_file_is_unchanged(workspace, args, message):
    path = workspace.profile("ada", (GOLDEN / "profile-before.yaml").read_text())
    before = path.read_bytes()
    result = workspace.cli("profile", *args)
    assert result.exit_code == 1
    assert message in result.output and str(path) in result.output
    assert "Traceback" not in result.output
    assert path.read_bytes() == before


def test_a_file_the_reader_reads_but_an_edit_in_place_cannot_is_told_where_and_why(workspace):
    # a tab after "email:" (valid to the loader: the profile is read and served) made `profile add`
    # print ruamel's five lines: "not valid YAML ... found character '\\t' ... in "<unicode string>""
    path = workspace.profile("ada", "email:\t ada@example.org\ninterests: [robots]\n")
    assert load_profile(workspace.config, "ada").email == "ada@example.org"
    result = workspace.cli("profile", "add", "ada", "drones")
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {path}: cannot be edited in place as it is written, fix it by hand first: line 1, "
        "column 7: a tab, where YAML takes only spaces: replace the tab with a space\n"
    )
    assert path.read_text() == "email:\t ada@example.org\ninterests: [robots]\n"


def test_removing_the_last_keyword_is_refused(workspace):
    # said before: "profiles/ada.yaml: invalid profile:\n  - interests: empty; add at least one keyword",
    # of a file left valid, with no word of what was saved or of the way to stop ada's digests
    path, said = removing_the_last(workspace, "email: ada@example.org\ninterests: [robotics]\n", "Robotics")
    assert said == (
        f"error: {path}: {REFUSED}or, to stop ada's digests, `digest profile set ada paused true`. Nothing "
        "was saved\n"
    ), said
    assert path.read_text() == "email: ada@example.org\ninterests: [robotics]\n"
    assert workspace.cli("profile", "add", "ada", "drones").exit_code == 0  # as said
    assert workspace.cli("profile", "remove", "ada", "robotics").exit_code == 0
    assert path.read_text() == "email: ada@example.org\ninterests: [drones]\n"


def test_removing_the_last_keyword_of_a_paused_profile_does_not_say_to_pause_it(workspace):
    # said before: "...; or, to stop ada's digests, `digest profile set ada paused true`", of a profile
    # that has `paused: true` already
    path, said = removing_the_last(workspace, "email: ada@example.org\ninterests: [robotics]\npaused: true\n")
    assert said == (
        f"error: {path}: {REFUSED}ada is paused already (nothing is sent). Nothing was saved\n"
    ), said
    path.write_text("email: ada@example.org\ninterests: [robotics]\npaused: yes\n")  # read as paused too
    assert "ada is paused already" in workspace.cli("profile", "remove", "ada", "robotics").stderr


def test_removing_the_last_keyword_of_a_new_profile_says_what_is_missing(workspace):
    assert (
        workspace.cli("profile", "new", "eve", "--email", "eve@example.org", "-i", "robotics").exit_code == 0
    )
    path = workspace.root / "profiles" / "eve.yaml"
    before = path.read_text()
    result = workspace.cli("profile", "remove", "eve", "robotics")
    assert (
        result.exit_code == 1
        and "'robotics' is the last keyword, and a profile needs at least one" in result.output
    )
    assert "not valid YAML" not in result.output and path.read_text() == before


def test_removing_the_last_exclusion_keeps_the_comment_and_what_follows(workspace):
    path = workspace.profile(
        "ada",
        "email: ada@example.org\ninterests: [robotics]\nexclude:   # not for me\n  - survey\n"
        "# sent on Mondays\nfrequency: weekly\nweekday: monday\n",
    )
    result = workspace.cli("profile", "exclude", "ada", "survey", "--remove")
    assert result.exit_code == 0, result.output
    assert path.read_text() == (
        "email: ada@example.org\ninterests: [robotics]\nexclude: [] # not for me\n"
        "# sent on Mondays\nfrequency: weekly\nweekday: monday\n"
    )
    assert load_profile(workspace.config, "ada").exclude == ()


def test_a_setting_made_on_a_new_profile_takes_the_place_of_its_commented_line(workspace):
    assert (
        workspace.cli("profile", "new", "eve", "--email", "eve@example.org", "-i", "robotics").exit_code == 0
    )
    for step in (("set", "eve", "frequency", "weekly"), ("set", "eve", "weekday", "friday")):
        assert workspace.cli("profile", *step).exit_code == 0
    assert workspace.cli("profile", "exclude", "eve", "survey").exit_code == 0
    said = workspace.cli("profile", "set", "eve", "paused", "yes").output
    assert said.startswith("paused is true for eve; saved ")  # what was written, not what was typed
    lines = (workspace.root / "profiles" / "eve.yaml").read_text().splitlines()
    assert lines[2:5] == [
        "frequency: weekly               # daily | weekdays | weekly",
        "weekday: friday                 # the day of a weekly digest (monday ... sunday)",
        '# send_at: "07:00"              # local time of the digest',
    ]
    assert "paused: true                    # a paused reader gets nothing until unpaused" in lines
    assert lines[-2:] == [
        "exclude:                        # papers matching any of these are left out",
        "  - survey",
    ]
    assert not [
        line for line in lines if line.startswith(("# frequency", "# weekday", "# paused", "# exclude"))
    ]


def test_a_keyword_added_to_a_list_goes_above_the_comment_lines_after_it(workspace):
    path = workspace.profile(
        "ada",
        "email: ada@example.org\ninterests:\n  - robotics   # mine\n# sent on Mondays\nfrequency: weekly\n",
    )
    assert workspace.cli("profile", "add", "ada", "drones").exit_code == 0
    assert path.read_text() == (
        "email: ada@example.org\ninterests:\n  - robotics   # mine\n  - drones\n"
        "# sent on Mondays\nfrequency: weekly\n"
    )


@pytest.mark.parametrize("listed", [("-i", "robotics"), ("-i", "robotics", "-i", "drones")])
def test_a_keyword_added_to_a_new_profile_goes_above_the_commented_exclude(workspace, listed):
    # the commented setting after the interests stayed where it was, and the keyword came
    # below it: "# exclude: [medical]" inside the interests, and left there once set
    assert workspace.cli("profile", "new", "eve", "--email", "eve@example.org", *listed).exit_code == 0
    path = workspace.root / "profiles" / "eve.yaml"
    assert workspace.cli("profile", "add", "eve", "event cameras").exit_code == 0
    lines = path.read_text().splitlines()
    assert lines[-2:] == [
        "  event cameras: 1",
        "# exclude: [medical]            # papers matching any of these are left out",
    ]
    assert workspace.cli("profile", "add", "eve", "soft robots", "--weight", "2").exit_code == 0
    assert workspace.cli("profile", "exclude", "eve", "medical").exit_code == 0
    assert workspace.cli("profile", "exclude", "eve", "surveys").exit_code == 0
    text = path.read_text()
    assert text.endswith(
        "  event cameras: 1\n  soft robots: 2\n"
        "exclude:                        # papers matching any of these are left out\n"
        "  - medical\n  - surveys\n"
    ), text
    assert "# exclude" not in text


def test_weekly_needs_frequency_first_and_daily_drops_the_weekday(workspace):
    path = workspace.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    assert workspace.cli("profile", "set", "ada", "frequency", "weekly").exit_code == 0
    assert workspace.cli("profile", "set", "ada", "weekday", "friday").exit_code == 0
    assert load_profile(workspace.config, "ada").weekday == 4
    same = workspace.cli("profile", "set", "ada", "frequency", "Weekly")  # any case: still weekly
    assert "weekday removed" not in same.output and "frequency: weekly\n" in path.read_text()
    assert load_profile(workspace.config, "ada").weekday == 4
    result = workspace.cli("profile", "set", "ada", "frequency", "daily")
    assert "weekday removed" in result.output
    assert "weekday" not in path.read_text()


def test_setting_frequency_weekly_says_the_day_it_comes_and_how_to_choose_another(workspace):
    # it said only "frequency is weekly for ada; saved ...", the day (Monday unless set) unsaid
    path = workspace.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    weekly = workspace.cli("profile", "set", "ada", "frequency", "weekly")
    assert weekly.exit_code == 0
    assert weekly.output == (
        "frequency is weekly for ada (each Monday; another day: `digest profile set ada weekday DAY`); "
        f"saved {path}\n"
    )
    workspace.profile("ada", "email: ada@example.org\ninterests: [robotics]\nweekday: thursday\n")
    assert "(each Thursday;" in workspace.cli("profile", "set", "ada", "frequency", "weekly").output
    daily = workspace.cli("profile", "set", "ada", "frequency", "daily").output
    removed = "weekday removed: it only applies to frequency: weekly\n"
    assert daily == f"{removed}frequency is daily for ada; saved {path}\n"  # no day for a daily digest


def test_two_processes_editing_at_once_lose_nothing(workspace):
    workspace.profile("ada", "# many hands\nemail: ada@example.org\ninterests:\n  base: 1\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "profile"]
    procs = [
        subprocess.Popen([*cmd, "add", "ada", f"topic {i}", "--weight", str(i + 1)], env=env)
        for i in range(8)
    ]
    procs.append(subprocess.Popen([*cmd, "exclude", "ada", "medical"], env=env))
    assert [p.wait(timeout=60) for p in procs] == [0] * 9
    profile = load_profile(workspace.config, "ada")
    assert {i.phrase: i.weight for i in profile.interests} == {
        "base": 1.0,
        **{f"topic {i}": float(i + 1) for i in range(8)},
    }
    assert profile.exclude == ("medical",)
    assert (workspace.root / "profiles" / "ada.yaml").read_text().startswith("# many hands\n")


def test_profile_new_does_not_write_over_a_file_made_by_hand_while_it_writes(workspace):
    # the file made by hand (an editor, `cp`) after `profile new` looked and before its file was in
    # place: before, written over without a word ("Created", exit 0, hand@example.org gone)
    if shutil.which("strace") is None:
        pytest.skip("no strace to hold `profile new` as it puts its file in place")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    calls = "link,linkat,rename,renameat,renameat2"
    held = ["strace", "-f", "-qq", "-o", os.devnull, "-e", f"trace={calls}"]
    held += ["-e", f"inject={calls}:delay_enter=2000000"]  # each 2 s late
    cmd = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "profile", "new", "ada"]
    new = subprocess.Popen(
        [*held, *cmd, "--email", "ada@example.org", "-i", "soup"], env=env, stderr=subprocess.PIPE, text=True
    )
    folder = workspace.root / "profiles"
    while new.poll() is None and not any(p.stat().st_size for p in folder.glob(".ada.yaml.*.tmp")):
        time.sleep(0.01)  # written, not yet in place
    path = workspace.profile("ada", "email: hand@example.org\ninterests: [robots]\n")
    assert new.wait(timeout=60) == 1
    assert f"{path}: 'ada' already has a profile, made while this one was being written" in new.stderr.read()
    assert path.read_text() == "email: hand@example.org\ninterests: [robots]\n"
    assert list(folder.glob(".ada.yaml.*.tmp")) == []


def test_a_profile_new_killed_between_its_link_and_its_unlink_leaves_no_second_name_of_the_file(workspace):
    # `profile new` puts its file in place with a hard link, then unlinks its temporary name: killed
    # in between (a SIGKILL, the OOM killer), before, .ada.yaml.<8>.tmp stayed a second name of
    # ada's profile for ever (an edit in place of ada.yaml changed it too); the next read of the
    # folder now removes it, and leaves a writer's temporary file that is not in place yet
    if shutil.which("strace") is None:
        pytest.skip("no strace to kill `profile new` at its unlink")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    killed = ["strace", "-f", "-qq", "-o", os.devnull, "-e", "inject=unlink,unlinkat:signal=SIGKILL"]
    cmd = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "profile", "new", "ada"]
    new = subprocess.run([*killed, *cmd, "--email", "ada@example.org", "-i", "soup"], env=env)
    assert new.returncode != 0  # killed at its first unlink: the link's
    folder = workspace.root / "profiles"
    (left,) = folder.glob(".ada.yaml.*.tmp")
    assert left.stat().st_ino == (folder / "ada.yaml").stat().st_ino  # the profile's second name
    writing = folder / ".bob.yaml.abcd_123.tmp"  # another writer's, not in place yet: its own
    writing.write_text("email: bob@example.org\n")
    (ada,) = read_profiles(workspace.config)[0]
    assert ada.email == "ada@example.org" and [i.phrase for i in ada.interests] == ["soup"]
    assert sorted(p.name for p in folder.glob(".*.tmp")) == [writing.name]
    assert (folder / "ada.yaml").stat().st_nlink == 1


def test_profile_new_then_show(workspace):
    result = workspace.cli(
        "profile",
        "new",
        "ada",
        "--email",
        "ada@example.org",
        "-i",
        "spiking neural networks",
        "--name",
        "Ada",
    )
    assert result.exit_code == 0, result.output
    again = workspace.cli("profile", "new", "ada", "--email", "ada@example.org", "-i", "x")
    assert again.exit_code == 1 and "already has a profile" in again.output
    bad = workspace.cli("profile", "new", "../evil", "--email", "e@example.org", "-i", "x")
    assert bad.exit_code == 1 and "not a usable user id" in bad.output
    shown = workspace.cli("profile", "show", "ada")
    assert shown.exit_code == 0
    assert "email       ada@example.org" in shown.output
    assert "spiking neural networks  1" in shown.output
    assert "07:00 UTC, every day" in shown.output


VALUES = {
    "name": ("Ada L.", "Ada L."),
    "email": ("ada@example.net", "ada@example.net"),
    "frequency": ("weekdays", "weekdays"),
    "weekday": ("fri", 4),
    "send_at": ("17:30", dt.time(17, 30)),
    "timezone": ("Europe/Paris", "Europe/Paris"),
    "max_papers": ("3", 3),
    "min_score": ("0.00001", 1e-05),
    "paused": ("yes", True),
    "send_empty": ("on", True),
}


def test_set_takes_exactly_the_settable_declared_keys():
    assert set(VALUES) == {k for k, opt in declared(Profile).items() if opt.settable}
    assert {"interests", "exclude"} <= set(declared(Profile)) - set(VALUES)


@pytest.mark.parametrize("key", list(VALUES))
def test_set_writes_a_value_that_reads_back_as_given(workspace, key):
    text, value = VALUES[key]
    path = workspace.profile("ada", "email: ada@example.org\nfrequency: weekly\ninterests: [x]  # mine\n")
    result = workspace.cli("profile", "set", "ada", key, text)
    assert result.exit_code == 0, result.output
    assert getattr(load_profile(workspace.config, "ada"), key) == value
    assert "interests: [x]  # mine\n" in path.read_text()


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("interests", "interests: not set as one value; use `digest profile add/remove`"),
        ("exclude", "exclude: not set as one value; use `digest profile exclude`"),
        ("max_paper", "max_paper: not a profile key (did you mean max_papers?)"),
    ],
)
def test_set_refuses_other_keys_and_says_what_to_do(workspace, key, message):
    workspace.profile("ada", "email: ada@example.org\ninterests: [x]\n")
    result = workspace.cli("profile", "set", "ada", key, "1")
    assert result.exit_code == 1 and message in result.output


def test_set_help_lists_every_settable_key_with_its_help(workspace):
    result = workspace.cli("profile", "set", "--help")
    for key, opt in declared(Profile).items():
        assert (f"{key:<10}  {opt.help}" in result.output) == opt.settable


def test_a_new_profile_shows_every_setting_commented_with_the_value_it_gets(workspace):
    assert workspace.cli("profile", "new", "ada", "--email", "ada@example.org", "-i", "x").exit_code == 0
    path = workspace.root / "profiles" / "ada.yaml"
    text = path.read_text()
    for key, opt in declared(Profile).items():
        if opt.settable and not opt.required and key != "name":
            assert f"\n# {key}: " in text, key
    before = load_profile(workspace.config, "ada")
    uncommented = "".join(
        line[2:]
        if line.startswith("# ") and ": " in line and not line.startswith(("# exclude", "# weekday"))
        else line
        for line in text.splitlines(keepends=True)
    )
    path.write_text(uncommented)
    assert load_profile(workspace.config, "ada") == before


def test_a_broken_file_is_not_edited_and_the_error_names_the_line(workspace):
    path = workspace.profile("ada", "email: ada@example.org\ninterests: [x\n")
    result = workspace.cli("profile", "set", "ada", "max_papers", "3")
    assert result.exit_code == 1
    assert "not valid YAML, line 3, column 1" in result.output and "fix it by hand first" in result.output
    assert path.read_text() == "email: ada@example.org\ninterests: [x\n"
