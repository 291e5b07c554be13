"""`digest profile exclude bob "O'Brien, J."`: one argument, so one term, whatever commas it holds.
It is written in quotes, which say so to whoever reads the file (and to digest: term_slips), and
said once, by the command that wrote it. Before, it was written unquoted (``- O'Brien, J.``), and
every command after that read bob's profile (`profile show`, `preview`, `send`...) said "note:
...: exclude: "O'Brien, J." is one excluded term with a comma in it ...", twice from `profile show`.

Real parts: real `digest` processes, the profile file on disk."""

from __future__ import annotations

import subprocess
import sys

from digest import yamlio
from digest.errors import ProfileError


def digest(ws, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_a_term_with_a_comma_is_written_quoted_and_said_once(workspace):
    path = workspace.profile("bob", "email: bob@example.org\ninterests: [neuromorphic]\n")
    added = digest(workspace, "profile", "exclude", "bob", "O'Brien, J.")
    assert added.stdout == f'Excluding "O\'Brien, J." for bob; saved {path}\n'
    assert added.stderr == (
        f'note: {path}: exclude: "O\'Brien, J." is one excluded term with a comma in it (a paper is left '
        "out only if it holds all of it), written in quotes, which say so; for 2 excluded terms, give "
        "each to its own `digest profile exclude bob TERM`, then remove it (`digest profile exclude bob "
        '"O\'Brien, J." --remove`)\n'
    )
    text = path.read_text()
    assert '  - "O\'Brien, J."\n' in text, text  # was: "  - O'Brien, J."
    assert yamlio.load(text, str(path), ProfileError)["exclude"] == ["O'Brien, J."]
    shown = digest(workspace, "profile", "show", "bob")
    assert shown.stderr == "", shown.stderr  # was: the note about the comma, twice
    assert digest(workspace, "profile", "exclude", "bob", "medical").stderr == ""  # one without: no note
    assert path.read_text().endswith('exclude:\n  - "O\'Brien, J."\n  - medical\n'), path.read_text()
    removed = digest(workspace, "profile", "exclude", "bob", "O'Brien, J.", "--remove")
    assert removed.stderr == "" and path.read_text().endswith("exclude:\n  - medical\n")
