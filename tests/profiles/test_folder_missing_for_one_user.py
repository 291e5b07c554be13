"""A command for one reader (`digest preview USER`, `rank USER`, `profile show USER`) whose file is
not found says the profiles folder is missing where it is, not that the reader has no profile.

The reader's file not found, the folder was looked at (is_dir()) and then listed (glob) for the
name the user may have meant: a folder missing said "profiles/ghost.yaml: no profile for user
'ghost'." (the wrong thing to fix: `profile new` would fail on the missing folder too), and one
removed between the look and the listing (an unmount, a `mv` of the data) came out as "internal
error: FileNotFoundError: ...". Now the folder is listed once, and its failure said in the words
of a folder missing elsewhere ("the profiles folder does not exist; create it ..."; a file in its
place, a link to nothing, each in its own words)."""

from __future__ import annotations

import shutil

from helpers.removed_folder import removed_at_listing

SAID = "the profiles folder does not exist; create it and add one <user>.yaml per reader"


def test_a_missing_folder_is_said_for_one_reader(workspace):
    shutil.rmtree(workspace.config.profiles)
    for command in (["preview", "ghost"], ["rank", "ghost"], ["profile", "show", "ghost"]):
        result = workspace.cli(*command)
        assert result.exit_code == 1, result.output
        assert f"error: {workspace.config.profiles.absolute()}: {SAID}" in result.output, result.output
        assert "no profile for user" not in result.output


def test_a_file_in_the_folders_place_is_said(workspace):
    shutil.rmtree(workspace.config.profiles)
    workspace.config.profiles.write_text("")
    result = workspace.cli("preview", "ghost")
    assert "the profiles folder is a file, not a folder; move the file away" in result.output, result.output


def test_a_folder_removed_as_it_is_listed_is_said_missing(workspace, monkeypatch):
    workspace.profile("ada", "email: ada@example.org\ninterests:\n  robotics: 2\n")
    removed_at_listing(monkeypatch, workspace.config.profiles)
    result = workspace.cli("preview", "adaa")
    assert result.exit_code == 1, result.output
    assert f"error: {workspace.config.profiles.absolute()}: {SAID}" in result.output, result.output
    assert "internal error" not in result.output


def test_a_name_not_found_still_says_whom_it_may_have_meant(workspace):
    workspace.profile("ada", "email: ada@example.org\ninterests:\n  robotics: 2\n")
    result = workspace.cli("preview", "adaa")
    assert "profiles/adaa.yaml: no profile for user 'adaa'" in result.output, result.output
    assert "ada" in result.output.partition("'adaa'.")[2], result.output
