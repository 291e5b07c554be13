"""Saving a profile where the profiles folder's disk is full: the command says which file could
not be saved and what to do, and the reader's file stays as it was. Real parts: a real `digest`
run in a private mount namespace (unshare -m) whose profiles folder is a small tmpfs filled to
the last block; skipped where a namespace cannot be made (not root)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess

import pytest
from helpers.full_disk import (
    ADA,
    DIGEST,
    READ_ONLY,
    SEEN,
    on_a_full_disk,
    posted_on_a_full_disk,
)

CHANGES = [
    ("add", "ada", "spiking neurons"),
    ("set", "ada", "max_papers", "5"),
    ("exclude", "ada", "medical"),
]


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_refused_by_a_full_disk_names_the_file_and_leaves_it_as_it_was(workspace, change):
    workspace.profile("ada", ADA)
    said, after = on_a_full_disk(workspace, "profile", *change)
    assert "exit 1" in said, said
    assert "internal error" not in said, said
    assert f"cannot save {workspace.root / 'profiles' / 'ada.yaml'}: No space left on device" in said, said
    assert "free some space" in said and "nothing was saved" in said, said
    assert after.split() == [".ada.yaml.lock", "ada.yaml", *ADA.split()], after  # no temporary file left


def test_a_web_save_refused_by_a_full_disk_says_so_and_shows_the_form_again_as_typed(web_workspace):
    """The preferences page of a real `digest serve` whose profiles folder is on a full disk."""
    fields = {"kw": ["neural networks", "spiking neurons"], "weight": ["1", "2"]}
    status, page, out = posted_on_a_full_disk(web_workspace, "", fields)
    said = " ".join(page.split())
    assert status == 422, said[:2000]
    assert "cannot save ada.yaml: No space left on device; free some space" in said, said[:2000]
    assert str(web_workspace.root) not in said  # the server's paths are not shown to a reader
    assert 'value="spiking neurons"' in said  # what they typed, there to save again
    assert out.partition(SEEN)[2].split() == [".ada.yaml.lock", "ada.yaml", *ADA.split()], out


def test_a_one_click_unsubscribe_the_full_disk_kept_out_of_the_file_is_kept_and_said_unsaved(web_workspace):
    """The file cannot take ``paused: true``; the database, on another disk, keeps the request (no
    digest goes to them). The log said "the profile of ada cannot be read ... until the file is
    fixed" and "(their profile file cannot be read)", sending the operator to a file that is sound."""
    from digest.web.unsubscribe import kept_unsubscribe

    status, page, out = posted_on_a_full_disk(
        web_workspace, "/unsubscribe", {"List-Unsubscribe": "One-Click"}
    )
    assert status == 200 and "Unsubscribed" in page, page
    assert kept_unsubscribe(web_workspace.config, "ada") is not None
    log = " ".join(out.partition(SEEN)[0].split())
    assert "cannot be read" not in log, log
    assert "cannot save" in log and "No space left on device" in log and "kept in the database" in log, log
    assert (
        "once its disk takes it (room made on it, or it remounted read-write), "
        "`digest profile set ada paused true` writes it into the file" in log
    ), log
    assert out.partition(SEEN)[2].split() == [".ada.yaml.lock", "ada.yaml", *ADA.split()], out


def test_a_one_click_unsubscribe_kept_out_of_the_file_stops_the_next_send_and_says_why(
    web_workspace, smtp_server
):
    """The next real `digest send` (aiosmtpd on loopback) mails bob and not ada, and says why in
    the words of what happened: the send said "suppressed: unsubscribed on ...: one-click, while
    their profile file could not be read", of a file that was read."""
    from conftest import make_dump

    web_workspace.profile("bob", "email: bob@example.org\ninterests:\n  neural networks: 1\n")
    web_workspace.dump("day.txt", make_dump("Mar 14", [("Neural networks today", "About neural networks.")]))
    status, page, _ = posted_on_a_full_disk(web_workspace, "/unsubscribe", {"List-Unsubscribe": "One-Click"})
    assert status == 200 and "Unsubscribed" in page, page
    sent = subprocess.run(
        [DIGEST, "--config", str(web_workspace.config_path), "send"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    said = " ".join((sent.stdout + sent.stderr).split())
    assert [m.rcpt_tos for m in smtp_server.messages] == [["bob@example.org"]], said
    assert "could not be written (its disk full or read-only)" in said, said
    assert "could not be read" not in said, said


def test_undoing_a_kept_unsubscribe_on_a_full_disk_says_what_was_done(web_workspace):
    """ada unsubscribed while the disk was full (kept in the database, the file without paused);
    her undo lifts it, so her digests go again; her file, which does not pause her, is left as it
    is (before, ``paused: false`` was tried and refused by the disk, in the log). The page said "The file
    that holds your digest's settings has a mistake ... your change was not saved", a 503, of a
    sound file, while the undo had been done."""
    from digest.deliver.suppressions import Suppressions, kept_unsubscribe_reason
    from digest.store import Store
    from digest.web.unsubscribe import kept_unsubscribe

    with Store(web_workspace.config.database) as store:
        Suppressions(store).unsubscribe("ada", dt.datetime.now(dt.UTC), kept_unsubscribe_reason(unsaved=True))
    status, page, out = posted_on_a_full_disk(web_workspace, "/resubscribe", {})
    assert kept_unsubscribe(web_workspace.config, "ada") is None  # her digests go again
    said = " ".join(page.split())
    assert status == 200 and "has a mistake" not in said, said[-3000:]
    assert "not saved" not in out and "No space left on device" not in out, out  # no write needed
    assert out.partition(SEEN)[2].split() == [".ada.yaml.lock", "ada.yaml", *ADA.split()], out


# the profiles folder another account's (nobody's), digest serve run by root without the
# capabilities that pass over a folder's permissions: it may read the files, not make one there
NOT_WRITABLE = (
    'set -e; touch "$1/.ada.yaml.lock"; chown nobody "$1"; chmod 755 "$1"; shift; set +e; '
    'setpriv --bounding-set -dac_override,-dac_read_search,-fowner "$@" 2>&1; echo "exit $?"; '
    'echo "' + SEEN + '"; ls -A "$0"; cat "$0/ada.yaml"'
)


def test_undoing_a_kept_unsubscribe_in_a_folder_it_may_not_write_releases_it_and_says_so(web_workspace):
    """ada unsubscribed while the disk was full (kept in the database, the file without paused);
    the profiles folder is now one `digest serve`'s account may not make files in. Her undo needs
    no write: it is the release alone, done, and said ("Welcome back"). Was: the 503 "The file
    that holds your digest's settings has a mistake ... your change was not saved", her
    unsubscribe still kept (``paused: false`` was to be written, refused with EACCES first)."""
    from digest.deliver.suppressions import Suppressions, kept_unsubscribe_reason
    from digest.store import Store
    from digest.web.unsubscribe import kept_unsubscribe

    with Store(web_workspace.config.database) as store:
        Suppressions(store).unsubscribe("ada", dt.datetime.now(dt.UTC), kept_unsubscribe_reason(unsaved=True))
    status, page, out = posted_on_a_full_disk(web_workspace, "/resubscribe", {}, NOT_WRITABLE)
    said = " ".join(page.split())
    assert status == 200 and "Welcome back: your digests are on again." in said, said[-3000:]
    assert kept_unsubscribe(web_workspace.config, "ada") is None  # her digests go again
    assert "cannot be read" not in out and "Permission denied" not in out, out
    assert out.partition(SEEN)[2].split() == [".ada.yaml.lock", "ada.yaml", *ADA.split()], out


def test_an_undo_refused_by_a_read_only_disk_while_the_file_pauses_lifts_nothing(web_workspace):
    """bea's file pauses her and the database keeps her unsubscribe (and would a hard bounce); her
    undo cannot write ``paused: false`` on a read-only disk, so it is not done: the 503 "This page
    is not available until the digest is repaired", "nothing of your settings was changed", and
    nothing was: her unsubscribe still kept. Was: the unsubscribe lifted first, in its own
    transaction, and left lifted under that page."""
    from digest.deliver.suppressions import Suppressions
    from digest.store import Store
    from digest.web.unsubscribe import kept_unsubscribe

    bea = "email: bea@example.org\ninterests:\n  neural networks: 1\npaused: true\n"
    web_workspace.profile("bea", bea)
    with Store(web_workspace.config.database) as store:
        Suppressions(store).unsubscribe("bea", dt.datetime.now(dt.UTC))
    status, page, out = posted_on_a_full_disk(web_workspace, "/resubscribe", {}, READ_ONLY, user="bea")
    said = " ".join(page.split())
    assert status == 503 and "nothing of your settings was changed" in said, said[-3000:]
    assert "Read-only file system" in out, out
    assert out.partition(SEEN)[2].split()[-len(bea.split()) :] == bea.split(), out
    assert kept_unsubscribe(web_workspace.config, "bea") is not None  # as the page says: not undone


def test_an_edit_in_the_editor_refused_by_a_full_disk_keeps_the_draft_and_says_where(workspace, tmp_path):
    workspace.profile("ada", ADA)
    editor = tmp_path / "editor.sh"  # what a reader does in $EDITOR: adds an interest and saves
    editor.write_text('#!/bin/sh\nprintf "  spiking neurons: 2\\n" >> "$1"\n')
    editor.chmod(0o755)
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    env = {**os.environ, "EDITOR": str(editor), "VISUAL": "", "TMPDIR": str(drafts)}
    said, after = on_a_full_disk(workspace, "profile", "edit", "ada", env=env)
    assert "exit 1" in said, said
    assert "internal error" not in said, said
    kept = list(drafts.glob("digest-edit-ada-*/ada.yaml"))
    assert [p.read_text() for p in kept] == [ADA + "  spiking neurons: 2\n"], said
    assert f"cannot save {workspace.root / 'profiles' / 'ada.yaml'}: No space left on device" in said, said
    assert f"your version is kept at {kept[0]}" in said, said
    # the editor has closed: a new `edit` starts from the file, so the draft is pasted into it
    assert (
        "free some space on its disk, then run `digest profile edit ada` again and paste in your version;"
        in said
    ), said
    assert after.split() == [".ada.yaml.lock", "ada.yaml", *ADA.split()], after


def test_a_new_profile_refused_by_a_full_disk_says_so_and_leaves_no_file(workspace):
    workspace.profile("ada", ADA)
    new = ("profile", "new", "cy", "--email", "cy@example.org", "--interest", "x")
    said, after = on_a_full_disk(workspace, *new)
    assert "exit 1" in said, said
    assert "internal error" not in said, said
    assert f"cannot make {workspace.root / 'profiles' / 'cy.yaml'}: No space left on device" in said, said
    assert "free some space" in said and "no profile was made" in said, said
    assert "cy.yaml" not in after.split(), after


def test_a_web_save_into_a_read_only_profiles_folder_says_so_and_shows_the_form_again_as_typed(web_workspace):
    """The profile's lock file cannot be opened for writing there: a bare 500 before, what the
    reader typed gone."""
    fields = {"kw": ["neural networks", "spiking neurons"], "weight": ["1", "2"]}
    status, page, out = posted_on_a_full_disk(web_workspace, "", fields, script=READ_ONLY)
    said = " ".join(page.split())
    assert status == 422, said[:2000]
    assert "cannot save ada.yaml: Read-only file system" in said, said[:2000]
    assert "its disk is mounted read-only: remount it read-write, then save again" in said, said[:2000]
    assert str(web_workspace.root) not in said  # the server's paths are not shown to a reader
    assert 'value="spiking neurons"' in said  # what they typed, there to save again


def test_an_edit_in_the_editor_into_a_read_only_profiles_folder_keeps_the_draft(workspace, tmp_path):
    workspace.profile("ada", ADA)
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf "  spiking neurons: 2\\n" >> "$1"\n')
    editor.chmod(0o755)
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    env = {**os.environ, "EDITOR": str(editor), "VISUAL": "", "TMPDIR": str(drafts)}
    said, after = on_a_full_disk(workspace, "profile", "edit", "ada", env=env, script=READ_ONLY)
    kept = list(drafts.glob("digest-edit-ada-*/ada.yaml"))
    assert "exit 1" in said and [p.read_text() for p in kept] == [ADA + "  spiking neurons: 2\n"], said
    assert f"cannot save {workspace.root / 'profiles' / 'ada.yaml'}: Read-only file system" in said, said
    assert f"your version is kept at {kept[0]}" in said, said
    assert "then save again" not in said, said  # there is nothing open to save
    assert (
        "remount it read-write, then run `digest profile edit ada` again and paste in your version" in said
    ), said


def test_a_change_on_a_read_only_disk_says_to_remount_it_not_to_make_the_folder_writable(workspace):
    """A read-only mount is not cured by a folder's permissions (even root may not write it):
    the message said "make the profiles folder writable for this account"."""
    workspace.profile("ada", ADA)
    said, after = on_a_full_disk(workspace, "profile", "add", "ada", "spiking neurons", script=READ_ONLY)
    assert "exit 1" in said, said
    assert "Read-only file system; its disk is mounted read-only: remount it read-write" in said, said
    assert "writable for this account" not in said, said
    assert ADA.split() == after.split()[-len(ADA.split()) :], after
