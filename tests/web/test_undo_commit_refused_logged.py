"""An unsubscribe kept in the database (the file could not be written then), cy's file not pausing
her, undone from her page ("Undo: send my digests again") while the database's disk is full: the
release is refused at its commit, the page says "Your change was not saved" (503), the unsubscribe
kept. Before, `digest serve`'s log said first "cy undid their unsubscribe (kept in the database;
their file does not pause them)": the line was logged before the release's commit, which
apply_edit leaves to its caller when the file is not written. The real `digest -v serve`, a 4 MiB
tmpfs for the database filled by the test, urllib."""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request

from test_release_commit_refused import NOT_SAVED, full, kept, unsubscribed_on_a_small_disk

from conftest import SECRET

UNPAUSED = "email: cy@example.org\ninterests: [spiking attention]\n"
UNDONE = "cy undid their unsubscribe (kept in the database; their file does not pause them)"


def verbose(command: list[str]) -> list[str]:
    at = command.index("--config")
    return [*command[:at], "-v", *command[at:]]


def test_an_undo_whose_release_the_full_disk_refuses_is_not_logged_as_done(
    web_workspace, tmp_path, monkeypatch
):
    monkeypatch.setenv("DIGEST_TEST_SECRET", SECRET)
    ws = web_workspace
    command = ws.serve_command  # with -v: the INFO lines logged (the undo's among them)
    monkeypatch.setattr(ws, "serve_command", lambda port_option=True: verbose(command(port_option)))
    with unsubscribed_on_a_small_disk(ws, tmp_path) as (disk, holder):
        ws.profile("cy", UNPAUSED)  # the operator mended the file: it does not pause her
        with ws.served() as proc:
            link = ws.page_url("cy")
            with urllib.request.urlopen(link + "/unsubscribe", timeout=60) as page:
                csrf = re.search(r'name="csrf" value="([^"]*)"', page.read().decode()).group(1)
            full(disk, holder)
            undo = urllib.request.Request(
                link + "/resubscribe", data=urllib.parse.urlencode({"csrf": csrf}).encode()
            )
            try:
                urllib.request.urlopen(undo, timeout=60)
                raise AssertionError("the undo was answered as done")
            except urllib.error.HTTPError as e:
                assert e.code == 503 and NOT_SAVED in e.read().decode()
            assert kept(ws)
            (disk / "filler").unlink()
            with urllib.request.urlopen(undo, timeout=60) as done:  # sent again: done, and said
                assert done.status == 200
            assert not kept(ws)
            proc.terminate()
            proc.wait(timeout=60)
            log = proc.stderr.read()
    assert log.count(UNDONE) == 1, log  # before: twice, the first before its refused commit
    assert log.index(UNDONE) > log.index("disk is full"), log
