"""A keyword or an excluded term that starts with '-' ("-foo, bar", given after `--` as click asks)
is said after `--` in the commands digest suggests: the comma notes' removal
(tests/cli/test_profile_comma_note_removes.py) and a renamed reader's command
(tests/cli/test_renamed_user_quotes.py), its options before it. Before: `digest profile exclude ada
'-foo, bar' --remove`, which, pasted, was refused: "Error: No such option '-f'.".

Real parts: real `digest` processes (a real send to a loopback SMTP server for the renamed reader),
each suggested line run by bash as a user pastes it, the profile files on disk."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

from helpers.renamed_reader import renamed
from helpers.suggested_commands import in_bash, profile, refused


def said(ws, *args: str) -> str:
    """`digest ARGS` (done) and the last command its note suggests."""
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return re.findall(r"`(digest [^`]*)`", done.stderr)[-1]


def test_the_comma_notes_removal_of_a_word_with_a_leading_hyphen_runs_as_pasted(workspace):
    ws = workspace
    ws.profile("bob", "email: bob@example.org\ninterests: [neuromorphic]\n")
    removal = said(ws, "profile", "exclude", "bob", "--", "-foo, bar")
    assert (
        removal == "digest profile exclude bob --remove -- '-foo, bar'"
    )  # was: ... bob '-foo, bar' --remove
    in_bash(ws, removal)
    assert "exclude" not in profile(ws, "bob") or profile(ws, "bob")["exclude"] == []
    removal = said(ws, "profile", "add", "bob", "--", "-spiking, snn")
    assert removal == "digest profile remove bob -- '-spiking, snn'"
    in_bash(ws, removal)
    assert list(profile(ws, "bob")["interests"]) == ["neuromorphic"]


def test_a_renamed_readers_command_says_a_leading_hyphen_after_the_options(mail_workspace, smtp_server):
    ws = mail_workspace
    renamed(ws)  # ada.yaml -> ada-lee.yaml after a send
    again = refused(ws, "profile", "exclude", "ada", "--", "-foo")
    assert again == "digest profile exclude ada-lee -- -foo"
    in_bash(ws, again)
    assert "-foo" in profile(ws, "ada-lee")["exclude"]
    again = refused(ws, "profile", "add", "ada", "--weight", "2", "--", "-bar")
    assert again == "digest profile add ada-lee --weight 2 -- -bar"  # was: ... ada-lee -bar --weight 2
    in_bash(ws, again)
    assert profile(ws, "ada-lee")["interests"]["-bar"] == 2


def test_the_comma_notes_command_for_each_part_puts_a_leading_hyphens_part_after_the_options(workspace):
    # Before: "give each to its own `digest profile exclude bob TERM`", which given "-bar" was
    # refused when pasted: "Error: No such option '-b'."
    ws = workspace
    ws.profile("bob", "email: bob@example.org\ninterests: [neuromorphic]\n")
    for args, each, parts, key in (
        (
            ("exclude", "bob", "--", "foo, -bar"),
            "digest profile exclude bob -- TERM",
            ["foo", "-bar"],
            "exclude",
        ),
        (
            ("add", "bob", "--", "-spiking, snn"),
            "digest profile add bob -- KEYWORD",
            ["-spiking", "snn"],
            "interests",
        ),
    ):
        command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "profile", *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        first, removal = re.findall(r"`(digest [^`]*)`", done.stderr)
        assert first == each, done.stderr
        for part in parts:
            in_bash(ws, first.replace(each.split()[-1], shlex.quote(part)))
        in_bash(ws, removal)
        assert [k for k in profile(ws, "bob")[key] if k != "neuromorphic"] == parts, profile(ws, "bob")
