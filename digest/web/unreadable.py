"""A reader's profile file that cannot be read (a hand edit broke it): their pages say so, the
server's log says what is wrong, and nothing of theirs is written until it is fixed.

The page names no file, no line and nothing of the file: the file may hold another reader's
data (a copy, a link), and the reader cannot fix it through the web. The operator's log gets
the whole message: the file, the line and the reason. The status is 503 (the page cannot be
served for now; not the reader's doing), without Retry-After: waiting alone does not help.
"""

from __future__ import annotations

import logging
from pathlib import Path

from werkzeug.exceptions import HTTPException

from digest.config import Config
from digest.errors import ProfileError
from digest.models import Profile
from digest.profiles.edit import ProfileNotSaved
from digest.profiles.load import load_profile, profile_unread

log = logging.getLogger(__name__)

SAID = (
    "Your profile cannot be read right now: its file has a mistake that the person who runs your "
    "digest needs to fix. Nothing of it was changed."
)


class ProfileUnreadable(HTTPException):
    """The reader's profile file cannot be read (503, a page saying so); ``posted``: a change
    was asked for, and not made."""

    code = 503

    def __init__(self, user: str, posted: bool) -> None:
        super().__init__()
        self.user, self.posted = user, posted


def unreadable(user: str, error: ProfileError, posted: bool) -> ProfileUnreadable:
    """Said in the log (the file, its line and what is wrong), to be raised for the page. A
    change the disk kept out of a sound file (ProfileNotSaved) is said as such: the file is read."""
    if isinstance(error, ProfileNotSaved):
        log.error("a change to the profile of %s was not saved: %s", user, error)
        return ProfileUnreadable(user, posted)
    log.error(
        "the profile of %s cannot be read; their pages answer 503 and nothing is saved to it "
        "until the file is fixed: %s",
        user,
        error,
    )
    return ProfileUnreadable(user, posted)


def current_profile(config: Config, user: str, posted: bool = False) -> Profile:
    """``user``'s profile as the file holds it now, or :class:`ProfileUnreadable`."""
    try:
        return load_profile(config, user)
    except ProfileError as e:
        raise unreadable(user, e, posted) from None


def current_text(path: Path, user: str, posted: bool = False) -> str:
    """The text of ``user``'s profile file, or :class:`ProfileUnreadable` (not UTF-8, unreadable)."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        problem = ProfileError(profile_unread(path, e))
        raise unreadable(user, problem, posted) from None
