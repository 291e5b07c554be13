"""`digest profile edit`: a profile edited in $EDITOR, like `crontab -e`: a copy is edited, and
the real file replaced only with a valid version, never over a change made meanwhile."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from digest.config import Config
from digest.errors import ProfileError
from digest.files import write_atomic
from digest.models import Profile
from digest.profiles.edit import ProfileConflict, ProfileNotSaved, locked, not_saved
from digest.profiles.load import find_profile_file, parse_profile_text, read_profile_text


def run_editor(path: Path) -> None:
    """$VISUAL, else $EDITOR, else vi, on ``path``; waits for it to exit."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        result = subprocess.run([*shlex.split(editor), str(path)], check=False)
    except OSError as e:
        raise ProfileError(f"cannot start the editor {editor!r}: {e}; set $EDITOR") from None
    if result.returncode != 0:
        raise ProfileError(f"the editor {editor!r} exited with status {result.returncode}")


def edit_in_editor(
    config: Config,
    user: str,
    open_editor: Callable[[Path], None],
    ask_reopen: Callable[[str], bool],
) -> Profile | None:
    """Edit a copy; replace the real file only with a valid version. None: nothing changed.

    An invalid version: the errors go to ``ask_reopen``; if it says no, the file stays as it
    was and the draft is kept (its path is in the error). If the file changed meanwhile (the
    web page, another command), the other change is kept and so is the draft.
    """
    path = find_profile_file(config, user)
    original = read_profile_text(path)
    folder = Path(tempfile.mkdtemp(prefix=f"digest-edit-{user}-"))
    draft = folder / path.name
    draft.write_text(original, encoding="utf-8")
    keep_draft = False
    try:
        while True:
            try:
                open_editor(draft)
            except ProfileError as e:
                keep_draft = True
                raise ProfileError(f"{e}; {path} is unchanged (your draft: {draft})") from None
            try:  # a draft the editor saved as Latin-1 is refused as an invalid one is: kept
                text = read_profile_text(draft)
                if text == original:
                    return None
                profile = parse_profile_text(text, path, config)
            except ProfileError as e:
                if ask_reopen(str(e)):
                    continue
                keep_draft = True
                raise ProfileError(f"{e}\n{path} is unchanged; your draft is kept at {draft}") from None
            # the editor has closed: a new `edit` starts from the file, so the version kept is pasted in
            then = f"run `digest profile edit {user}` again and paste in your version"
            try:
                with locked(path, then):
                    try:  # saved meanwhile as Latin-1 (or removed): said, and the draft kept, as a change
                        current, unreadable = read_profile_text(path), ""
                    except ProfileError as e:
                        current, unreadable = None, f"{e}\n"
                    if current != original:
                        keep_draft = True
                        raise ProfileConflict(
                            f"{unreadable}{path} changed while you were editing (another change was "
                            f"saved first) and was left as it is; your version is at {draft}: compare "
                            "and edit again"
                        )
                    try:
                        write_atomic(path, text, whole=True)
                    except OSError as e:
                        raise ProfileNotSaved(not_saved(path, e, then)) from None
            except ProfileNotSaved as e:  # a full or read-only disk: the reader's work is not thrown away
                keep_draft = True
                raise ProfileError(f"{e}; your version is kept at {draft}") from None
            return profile
    finally:
        if not keep_draft:
            shutil.rmtree(folder, ignore_errors=True)
