"""The profiles folder removed (an unmount, a `mv` of the data, a restore in progress) between the
look at it and its listing: `digest serve` starting, a send, `digest status`. The look found it;
the listing (os.scandir) raised FileNotFoundError, which came out as "internal error:
FileNotFoundError: [Errno 2] No such file or directory: '/srv/digest/profiles' (set DIGEST_DEBUG=1
to see the traceback, and please report it)": a real `digest serve` hit it 4 times in 25 starts
beside a loop moving the folder away and back.

Chosen: said as a folder missing when it is looked at, in the same words ("the profiles folder
does not exist; create it ..."): `digest serve` goes on and says it (error: ...), as it
does for a folder missing before it starts; a send refuses with it. Here the folder is really
removed just before it is listed (os.scandir wrapped: the race made certain)."""

from __future__ import annotations

import pytest
from helpers.removed_folder import removed_at_listing

from digest.errors import ProfileError
from digest.profiles.load import load_profiles, load_profiles_lenient

SAID = "the profiles folder does not exist; create it and add one <user>.yaml per reader"


@pytest.fixture
def removed_when_listed(workspace, monkeypatch):
    """The workspace's profiles folder, with ada's file, removed as it is about to be listed."""
    workspace.profile("ada", "email: ada@example.org\ninterests:\n  robotics: 2\n")
    removed_at_listing(monkeypatch, workspace.config.profiles)
    return workspace


def test_serve_goes_on_saying_the_folder_is_gone(removed_when_listed):
    profiles, problems = load_profiles_lenient(removed_when_listed.config)  # as `digest serve` starts
    assert profiles == []
    assert len(problems) == 1 and problems[0].startswith(
        f"{removed_when_listed.config.profiles.absolute()}: {SAID}"
    )


def test_a_send_refuses_naming_the_folder(removed_when_listed):
    with pytest.raises(ProfileError, match=f"^{removed_when_listed.config.profiles.absolute()}: {SAID}"):
        load_profiles(removed_when_listed.config)
