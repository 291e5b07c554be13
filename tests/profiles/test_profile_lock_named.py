"""The lock beside a profile keeps two edits of that profile apart (the web page and `digest
profile`), not two runs: a lock file that cannot be opened says so, as the run lock says its own."""

from __future__ import annotations

import pytest

from digest.errors import DigestError
from digest.profiles.edit import profile_lock


def test_a_profile_lock_that_cannot_be_opened_says_what_it_keeps_apart(tmp_path):
    (tmp_path / "ada.yaml").write_text("email: ada@example.org\ninterests: [spiking]\n")
    (tmp_path / ".ada.yaml.lock").mkdir()  # not a file: it cannot be opened for writing
    with pytest.raises(DigestError) as raised:
        profile_lock(tmp_path / "ada.yaml").acquire(wait=False)
    assert "cannot open the lock file that keeps two edits of this profile apart: Is a directory" in str(
        raised.value
    )
