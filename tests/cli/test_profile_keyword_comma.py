"""`digest profile new ada -i "robots, drones"` and `digest profile add ada "robots, drones"`: one
argument, so one keyword, whatever commas it holds. It is written in quotes, which say so to whoever
reads the file (and to digest: term_slips), and said once, by the command that wrote it, as `digest
profile exclude` writes and says a term with a comma (tests/cli/test_profile_exclude_comma.py). Before,
it was written unquoted (``robots, drones: 1``, or ``- robots, drones`` in a list one a line), and every
command after that read the profile (`profile show` twice, `preview`, `send`...) said "note: ...:
interests: 'robots, drones' is one keyword with a comma in it ...".

Real parts: real `digest` processes, the profile files on disk."""

from __future__ import annotations

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


def note(path, user: str, keyword: str) -> str:
    # in double quotes where it has a single quote (and nothing bash expands in double quotes)
    quoted = f'"{keyword}"' if "'" in keyword else shlex.quote(keyword)
    return (
        f"note: {path}: interests: {keyword!r} is one keyword with a comma in it (scored as one phrase), "
        f"written in quotes, which say so; for 2 keywords, give each to its own `digest profile add {user} "
        f"KEYWORD`, then remove it (`digest profile remove {user} {quoted}`)\n"
    )


def test_a_keyword_with_a_comma_is_written_quoted_and_said_once(workspace):
    made = digest(workspace, "profile", "new", "ada", "--email", "ada@example.org", "-i", "robots, drones")
    path = workspace.root / "profiles" / "ada.yaml"
    assert made.stderr == note(path, "ada", "robots, drones"), made.stderr
    assert '  "robots, drones": 1\n' in path.read_text(), path.read_text()  # was: "  robots, drones: 1"
    assert digest(workspace, "profile", "show", "ada").stderr == ""  # was: the note, twice

    added = digest(workspace, "profile", "add", "ada", "cats, dogs")  # to the mapping new wrote
    assert added.stderr == note(path, "ada", "cats, dogs"), added.stderr
    assert '  "cats, dogs": 1\n' in path.read_text(), path.read_text()
    assert digest(workspace, "profile", "add", "ada", "1,3-butadiene").stderr == ""  # a comma in a name
    data = yamlio.load(path.read_text(), str(path), ProfileError)
    assert list(data["interests"]) == ["robots, drones", "cats, dogs", "1,3-butadiene"]
    assert digest(workspace, "profile", "show", "ada").stderr == ""


def test_a_keyword_added_to_a_list_one_a_line_is_written_quoted(workspace):
    path = workspace.profile("bob", "email: bob@example.org\ninterests:\n  - neuromorphic\n")
    added = digest(workspace, "profile", "add", "bob", "O'Brien, J.")
    assert added.stderr == note(path, "bob", "O'Brien, J."), added.stderr
    assert path.read_text().endswith('  - neuromorphic\n  - "O\'Brien, J."\n'), (
        path.read_text()
    )  # was: unquoted
    assert digest(workspace, "profile", "show", "bob").stderr == ""
