"""A profile written as a test gives it: its refusal (refused; ADDRESS, the words of an invalid
address), or `profile show` of it where it loads (shown)."""

from __future__ import annotations

import pytest

from digest.errors import ProfileError
from digest.profiles.load import load_profile


def refused(workspace, text: str, user: str = "ada") -> str:
    """The refusal of ``user``'s profile written as ``text``."""
    workspace.profile(user, text)
    with pytest.raises(ProfileError) as info:
        load_profile(workspace.config, user)
    return str(info.value)


def shown(workspace, text: str):
    """`profile show ada` of ada's profile written as ``text`` (which loads)."""
    workspace.profile("ada", text)
    result = workspace.cli("profile", "show", "ada")
    assert result.exit_code == 0, result.output
    return result


ADDRESS = "is not a valid email address"
