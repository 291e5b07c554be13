"""The note `digest profile exclude` and `profile add` (and `profile new -i`) say of a term or keyword
given with a comma in it ("... is one excluded term with a comma in it ..., written in quotes, which
say so; for 2 excluded terms, ...") names the command that gives each part its own, then the one that
removes the combined one (after the parts: a profile's last keyword cannot be removed). Followed as
said, the profile holds the parts and not the combined one. Before, it said only "give each to its
own `digest profile exclude bob TERM`": a user who did so kept the combined term too (a paper left out
for holding all of it; for a keyword, scored as one phrase).

Real parts: real `digest` processes, each command of the note run as it is written (a shell's words),
the profile file on disk."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

from digest import yamlio
from digest.errors import ProfileError


def digest(ws, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def followed(ws, note: str, parts: list[str]) -> None:
    """Each command the note names, run as written: the first once for each part, then the last."""
    commands = re.findall(r"`(digest [^`]*)`", note)
    assert len(commands) == 2, note  # the one for each part, then the removal
    for part in parts:
        digest(ws, *shlex.split(commands[0])[1:-1], part)
    digest(ws, *shlex.split(commands[1])[1:])


def test_the_exclude_note_followed_leaves_the_parts_and_not_the_combined_term(workspace):
    path = workspace.profile("bob", "email: bob@example.org\ninterests: [neuromorphic]\n")
    note = digest(workspace, "profile", "exclude", "bob", "O'Brien, J.").stderr
    removal = "digest profile exclude bob 'O'\"'\"'Brien, J.' --remove"  # the shell's quoting of O'Brien, J.
    said = "for 2 excluded terms, give each to its own `digest profile exclude bob TERM`, then remove it"
    assert f"{said} (`{removal}`)" in note, note
    followed(workspace, note, ["O'Brien", "J."])
    data = yamlio.load(path.read_text(), str(path), ProfileError)
    assert data["exclude"] == ["O'Brien", "J."], path.read_text()  # before: "O'Brien, J." kept first


def test_the_keyword_note_followed_leaves_the_parts_and_not_the_combined_keyword(workspace):
    made = digest(
        workspace, "profile", "new", "carol", "--email", "carol@example.org", "-i", "robots, drones"
    )
    removal = "digest profile remove carol 'robots, drones'"
    said = "for 2 keywords, give each to its own `digest profile add carol KEYWORD`, then remove it"
    assert f"{said} (`{removal}`)" in made.stderr, made.stderr
    followed(workspace, made.stderr, ["robots", "drones"])  # its only keyword: removed after the parts
    path = workspace.root / "profiles" / "carol.yaml"
    data = yamlio.load(path.read_text(), str(path), ProfileError)
    assert list(data["interests"]) == ["robots", "drones"], path.read_text()  # before: "robots, drones" kept
    added = digest(workspace, "profile", "add", "carol", "cats, dogs")  # `profile add` says the same
    assert (
        "`digest profile add carol KEYWORD`, then remove it (`digest profile remove carol 'cats, dogs'`)"
        in (added.stderr)
    ), added.stderr
