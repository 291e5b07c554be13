"""The commands that take a reader's name, given the name of a reader whose profile file was
removed (``ada.yaml`` deleted, no rename: her history still in the database), say what is true:
her file is gone, her history is kept, and how to put her back (her file again, with her
address). Not the closest file name in the folder ("Did you mean 'bad'?": a copied command would
then show, rate or send for another reader). Exit 1, nothing done. A name that was never a
reader's (a typo) still gets the closest name. A real send to aiosmtpd on loopback first."""

from __future__ import annotations

import pytest
from helpers.removed_reader import REMOVED, removed

pytestmark = pytest.mark.backends


@pytest.mark.parametrize(
    "args",
    [
        ("preview", "ada"),
        ("profile", "show", "ada"),
        ("profile", "add", "ada", "event cameras"),
        ("feedback", "ada", "1", "down"),
        ("rank", "ada"),
        ("send", "--user", "ada"),
    ],
)
def test_a_removed_readers_name_says_the_file_is_gone_not_another_name(mail_workspace, smtp_server, args):
    ws = mail_workspace
    removed(ws)
    folder = ws.root / "profiles"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    sent = len(smtp_server.messages)
    result = ws.cli(*args)
    assert result.exit_code == 1, result.output
    assert "Did you mean" not in result.output, result.output
    assert REMOVED in result.output, result.output
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert len(smtp_server.messages) == sent


def test_the_way_back_said_works_and_a_typo_still_gets_the_closest_name(mail_workspace, smtp_server):
    """The command said, followed, puts ada back with her history (her rating kept); `bax`, never
    a reader, is a typo: the closest file's name is suggested as before."""
    ws = mail_workspace
    removed(ws)
    assert "Did you mean 'bad'?" in ws.cli("preview", "bax").output
    assert ws.cli("send").exit_code == 0  # a pass finds ada's file gone
    back = ws.cli("profile", "new", "ada", "--email", "ada@example.org", "-i", "KEYWORD")
    assert back.exit_code == 0, back.output
    rated = ws.cli("feedback", "ada", "1", "up")
    assert "ada: paper 1 already rated up." in rated.output, rated.output


def test_an_empty_profiles_folder_is_not_said_a_removal(mail_workspace, smtp_server):
    """Every file gone at once (a disk not mounted: its empty mount point) is not ada removed."""
    ws = mail_workspace
    removed(ws)
    (ws.root / "profiles" / "bad.yaml").unlink()
    result = ws.cli("rank", "ada")
    assert result.exit_code == 1 and "no profile for user 'ada'" in result.output, result.output
    assert "the reader was removed" not in result.output, result.output
