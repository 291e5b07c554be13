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
    removal = 'digest profile exclude bob "O\'Brien, J." --remove'  # was: 'O'"'"'Brien, J.'
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


def in_bash(ws, command: str) -> None:
    """``command`` (a `digest ...` line of a note) run by bash as a user pastes it."""
    run = f"{shlex.quote(sys.executable)} -m digest --config {shlex.quote(str(ws.config_path))}"
    script = f'digest() {{ {run} "$@"; }}\n{command}\n'
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_term_with_a_single_quote_is_said_in_double_quotes_and_bash_reads_it_back(workspace):
    # Before: `digest profile exclude bob 'O'"'"'Brien, J.' --remove` (correct, hard to read)
    path = workspace.profile("bob", "email: bob@example.org\ninterests: [neuromorphic]\n")
    said = {
        "O'Brien, J.": 'digest profile exclude bob "O\'Brien, J." --remove',
        # something bash expands in double quotes ($, `, \, !, "): single quotes, as before
        "it's $5, cheap": "digest profile exclude bob 'it'\"'\"'s $5, cheap' --remove",
        'say "hi", it\'s': "digest profile exclude bob 'say \"hi\", it'\"'\"'s' --remove",
        "wow!, it's": "digest profile exclude bob 'wow!, it'\"'\"'s' --remove",
    }
    for term, removal in said.items():
        note = digest(workspace, "profile", "exclude", "bob", term).stderr
        assert f"(`{removal}`)" in note, note
        in_bash(workspace, removal)
        data = yamlio.load(path.read_text(), str(path), ProfileError)
        assert "exclude" not in data or term not in data["exclude"], path.read_text()  # removed
    added = digest(workspace, "profile", "add", "bob", "rock 'n' roll, jazz").stderr  # a keyword: the same
    assert "(`digest profile remove bob \"rock 'n' roll, jazz\"`)" in added, added
    in_bash(workspace, "digest profile remove bob \"rock 'n' roll, jazz\"")
    assert "rock" not in path.read_text(), path.read_text()
