"""The profiles folder not there (a `profiles:` mistyped, a disk not mounted) is said as an error by
`digest send`, `send --dry-run` and `run --once`, and by `digest status` under a heading of its own:
not "profile skipped: <the folder>: ..." followed by "1 profile skipped: see above", nor under
"Profiles with errors (skipped)", as if one reader's file had been read and found wrong.

Real parts: real `digest` processes, the config, inbox and SQLite database on disk."""

from __future__ import annotations

import shutil

from helpers.digest_command import digest


def test_a_profiles_folder_not_there_is_said_as_an_error_not_a_profile_skipped(workspace):
    ws = workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [robots]\n")
    assert digest(ws, "status").returncode == 0  # the database made
    folder = ws.config.profiles
    shutil.rmtree(folder)
    said = (
        f"error: {folder.absolute()}: the profiles folder does not exist; create it and add one <user>.yaml"
    )

    for command in (["send", "--dry-run"], ["send"], ["run", "--once"]):
        run = digest(ws, *command)
        assert run.returncode == 1, (command, run)
        assert said in run.stdout + run.stderr, (command, run.stdout, run.stderr)
        assert "profile skipped" not in run.stdout + run.stderr, (command, run.stdout, run.stderr)
        assert "skipped: see above" not in run.stderr, (command, run.stderr)

    status = digest(ws, "status")
    assert (
        f"Profiles folder problem (no reader's file read):\n  {folder.absolute()}: the profiles folder does "
        "not exist;"
    ) in status.stdout, status.stdout
    assert "Profiles with errors (skipped)" not in status.stdout

    folder.mkdir()  # a file's problem is still a profile skipped
    ws.profile("bob", "email: bob@example.org\n")
    dry = digest(ws, "send", "--dry-run")
    assert (
        dry.returncode == 1
        and "profile skipped: " in dry.stderr
        and "1 profile skipped: see above" in dry.stderr
    )
    assert "Profiles with errors (skipped):" in digest(ws, "status").stdout
