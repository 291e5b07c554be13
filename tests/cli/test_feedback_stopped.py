"""`digest feedback` for a reader to whom no digest goes now says so in one line beside the
rating: a paused reader (their file's ``paused: true``, which an unsubscribe writes), one whose
address the mail server refused for good (a hard bounce, here a real one from aiosmtpd on
loopback), one whose unsubscribe is kept in the database. The rating is kept either way; a
reader who gets their digests hears nothing more than the rating. Real `digest` processes."""

from __future__ import annotations

import subprocess
import sys

import pytest
from helpers.refusing import Refusing

from digest.db import wall_clock
from digest.deliver.suppressions import Suppressions
from digest.demo.smtp_server import LocalSmtpServer
from digest.store import Store

from conftest import Workspace, make_dump

pytestmark = pytest.mark.backends

PAPERS = [("Neuromorphic chip", "An event-driven chip."), ("Neuromorphic vision", "Event cameras.")]


def digest(ws: Workspace, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def rated(ws: Workspace, user: str, rating: str = "up") -> subprocess.CompletedProcess[str]:
    with Store(ws.config.database) as store:
        first = min(p.id for p in store.papers())
    done = digest(ws, "feedback", user, str(first), rating)
    assert done.returncode == 0, done.stderr
    with Store(ws.config.database) as store:  # kept, whatever the reader's mail
        assert store.ratings(user) == ({} if rating == "clear" else {first: 1})
    return done


def test_a_paused_reader_is_told_the_rating_waits_for_the_resume(workspace):
    workspace.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\npaused: true\n")
    workspace.dump("day.txt", make_dump("Mar 14", PAPERS))
    assert digest(workspace, "ingest").returncode == 0
    out = rated(workspace, "ada").stdout.splitlines()
    assert out == [
        "ada: paper 1 rated up.",
        "note: ada is paused: nothing is sent to them until `digest profile set ada paused false`; "
        "the rating is kept, and their digests learn from it once they go again.",
    ], out
    cleared = rated(workspace, "ada", "clear").stdout.splitlines()
    assert cleared[1] == (
        "note: ada is paused: nothing is sent to them until `digest profile set ada paused false`; "
        "their digests go without this rating once they go again."
    ), cleared


def test_a_bounced_reader_is_told_nothing_goes_to_them_until_released(tmp_path, database):
    with LocalSmtpServer(Refusing({"bob@example.org"})) as server:
        ws = Workspace(tmp_path, server.port, database=database)
        ws.profile("bob", "email: bob@example.org\ninterests: [neuromorphic]\n")
        ws.dump("day.txt", make_dump("Mar 14", PAPERS))
        digest(ws, "send")
    out = rated(ws, "bob").stdout.splitlines()
    assert out[0] == "bob: paper 1 rated up.", out
    assert out[1:] and out[1].startswith("note: bob is suppressed (<bob@example.org> refused on "), out
    assert out[1].endswith(
        "550 5.1.1 <bob@example.org>: no such user): `digest send` sends them nothing until "
        "`digest suppressed --release bob`; the rating is kept, and their digests learn from it "
        "once they go again."
    ), out
    assert len(out) == 2, out


def test_an_unsubscribe_kept_in_the_database_is_said_too(workspace):
    workspace.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    workspace.dump("day.txt", make_dump("Mar 14", PAPERS))
    assert digest(workspace, "ingest").returncode == 0
    with Store(workspace.config.database) as store:
        Suppressions(store).unsubscribe("ada", wall_clock())
    out = rated(workspace, "ada").stdout.splitlines()
    assert len(out) == 2 and out[1].startswith("note: ada is suppressed (unsubscribed on "), out
    assert "`digest suppressed --release ada`; the rating is kept" in out[1], out


def test_a_reader_who_gets_their_digests_hears_of_the_rating_alone(workspace):
    workspace.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    workspace.dump("day.txt", make_dump("Mar 14", PAPERS))
    assert digest(workspace, "ingest").returncode == 0
    assert rated(workspace, "ada").stdout == "ada: paper 1 rated up.\n"


def test_a_removed_profile_rates_nothing_and_says_whose_file_is_missing(workspace):
    workspace.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    workspace.dump("day.txt", make_dump("Mar 14", PAPERS))
    assert digest(workspace, "ingest").returncode == 0
    (workspace.root / "profiles" / "ada.yaml").unlink()
    gone = digest(workspace, "feedback", "ada", "1", "up")
    assert gone.returncode == 1
    assert "no profile for user 'ada'" in gone.stderr
    with Store(workspace.config.database) as store:
        assert store.ratings("ada") == {}


def test_the_help_says_a_paused_or_suppressed_readers_digests_learn_once_they_go_again(workspace):
    shown = " ".join(digest(workspace, "feedback", "--help").stdout.split())
    assert "The next rank and preview learn from it at once, and the next digest" in shown, shown
    assert "(of a paused or suppressed reader, once their digests go again: it says so)" in shown, shown
