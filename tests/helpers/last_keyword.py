"""ada's one interest, robotics, removed by `digest profile remove`: refused, as the last keyword a
profile has; what the refusal says first, and the refusal itself, for the tests of that command."""

from __future__ import annotations

from pathlib import Path

REFUSED = (
    "interests: 'robotics' is the last keyword, and a profile needs at least one: add another first "
    "(`digest profile add ada KEYWORD`), then remove this one; "
)


def removing_the_last(workspace, text: str, typed: str = "robotics") -> tuple[Path, str]:
    """ada's file of ``text`` (robotics her one interest), then `digest profile remove ada TYPED`,
    refused (exit 1): her file's path and what it said on stderr."""
    path = workspace.profile("ada", text)
    result = workspace.cli("profile", "remove", "ada", typed)
    assert result.exit_code == 1
    return path, result.stderr
