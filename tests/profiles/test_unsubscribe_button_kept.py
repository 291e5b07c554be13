"""An unsubscribe kept in the database is said as it was asked: with the button of the
unsubscribe page (its form and token) or by the mail provider's one-click POST (RFC 8058).
Real parts: a real `digest serve` whose profiles folder is a read-only bind mount (so the
unsubscribe cannot be written into the file and is kept in the database), then the real
`digest suppressed` and `digest status`."""

from __future__ import annotations

import subprocess

from helpers.full_disk import DIGEST, READ_ONLY, posted_on_a_full_disk


def said_by(ws, *args: str) -> str:
    done = subprocess.run(
        [DIGEST, "--config", str(ws.config_path), *args], capture_output=True, text=True, timeout=120
    )
    return " ".join((done.stdout + done.stderr).split())


def test_the_pages_own_button_kept_in_the_database_is_said_as_the_page_not_one_click(web_workspace):
    status, page, _ = posted_on_a_full_disk(web_workspace, "/unsubscribe", {}, script=READ_ONLY)
    assert status == 200 and "You are unsubscribed" in page, page
    for command in (("suppressed",), ("status",)):
        said = said_by(web_workspace, *command)
        assert "unsubscribed on " in said, said
        assert "from their unsubscribe page, while their profile file could not be written" in said, said
        assert "one-click" not in said, said


def test_a_one_click_kept_in_the_database_is_still_said_one_click(web_workspace):
    fields = {"List-Unsubscribe": "One-Click"}
    status, page, _ = posted_on_a_full_disk(web_workspace, "/unsubscribe", fields, script=READ_ONLY)
    assert status == 200, page
    said = said_by(web_workspace, "suppressed")
    assert "one-click, while their profile file could not be written" in said, said


def test_an_unsubscribe_kept_because_the_disk_is_read_only_is_not_told_to_wait_for_room(web_workspace):
    status, _, log = posted_on_a_full_disk(web_workspace, "/unsubscribe", {}, script=READ_ONLY)
    assert status == 200, log
    said = " ".join(log.split())
    assert "unsubscribe of ada kept in the database" in said, said
    assert "there is room" not in said, said  # a read-only disk has room: it is remounted read-write
    assert "once its disk takes it (room made on it, or it remounted read-write)" in said, said
