"""The profiles folder removed (an unmount, a `mv` of the data) after it was listed, as its files
are read: each file was said on its own line, "profile skipped: .../profiles/u11.yaml: cannot read
the profile: [Errno 2] No such file or directory: ...", 60 lines for 60 readers (a real `digest
serve` started beside a loop moving the folder away and back), the one fault, the folder, named in
none of them; or, where the folder was gone by the time its first file was looked at
(``os.lstat``, to tell a folder this account may not search), "internal error: FileNotFoundError:
[Errno 2] No such file or directory: '.../profiles/ada.yaml'".

Now said once, as a folder missing when it is looked at ("the profiles folder does not exist; ...").
Here the folder is really removed just after it is listed (os.scandir wrapped: the race made
certain)."""

from __future__ import annotations

import pytest
from helpers.removed_folder import removed_at_listing

from digest.errors import ProfileError
from digest.profiles.load import load_profiles, load_profiles_lenient

SAID = "the profiles folder does not exist; create it and add one <user>.yaml per reader"


@pytest.fixture
def removed_once_listed(workspace, monkeypatch):
    """The workspace's profiles folder, with three readers' files, removed once it is listed."""
    for user in ("ada", "bob", "cyd"):
        workspace.profile(user, f"email: {user}@example.org\ninterests:\n  robotics: 2\n")
    removed_at_listing(monkeypatch, workspace.config.profiles, after=True)
    return workspace


def test_the_folder_is_said_once_not_each_file(removed_once_listed):
    profiles, problems = load_profiles_lenient(removed_once_listed.config)  # as `digest serve` starts
    assert profiles == []
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{removed_once_listed.config.profiles.absolute()}: {SAID}")


def test_a_send_refuses_naming_the_folder(removed_once_listed):
    with pytest.raises(ProfileError, match=f"^{removed_once_listed.config.profiles.absolute()}: {SAID}"):
        load_profiles(removed_once_listed.config)
