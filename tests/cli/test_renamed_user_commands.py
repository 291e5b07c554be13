"""The commands that take a reader's name, given the old name after the reader's profile file was
renamed (``ada.yaml`` -> ``ada-lee.yaml``), name the new name as `digest send --user ada` does
(tests/cli/test_send_renamed_user.py), not the closest file name in the folder, another reader
("Did you mean 'bad'?": a copied command would then show or change bob's neighbour). They do
nothing else: the operator may have meant another person, so nothing is shown or written for the
renamed reader under the old name. Exit 1, as for any name without a file. A real send to aiosmtpd
on loopback first, then the rename."""

from __future__ import annotations

import pytest
from helpers.renamed_reader import renamed

from conftest import SECRET, WebWorkspace

pytestmark = pytest.mark.backends

PENDING = "no profile for user 'ada': ada-lee continues ada (the same address <ada@example.org>;"


def refused(ws, *args: str) -> str:
    result = ws.cli(*args)
    assert result.exit_code == 1, result.output
    assert "Did you mean 'bad'" not in result.output, result.output
    assert PENDING in result.output, result.output
    return result.output


def test_preview_of_a_renamed_file_names_the_new_name(mail_workspace, smtp_server, tmp_path):
    ws = mail_workspace
    renamed(ws)
    out = refused(ws, "preview", "ada", "--out", str(tmp_path / "ada.html"))
    assert f"from the next send: `digest preview ada-lee --out {tmp_path / 'ada.html'}`" in out, out
    assert not (tmp_path / "ada.html").exists()
    assert ws.cli("preview", "ada-lee", "--text").exit_code == 0
    assert "Did you mean 'bad'?" in ws.cli("preview", "bax").output  # a typo: the closest name


def test_preview_and_rank_of_a_renamed_file_say_the_command_with_every_option_typed(
    mail_workspace, smtp_server, tmp_path
):
    """`preview ada --text --date DAY` said as `digest preview ada-lee` would, copied, write
    preview-ada-lee.html of today's digest instead of printing that day's; `rank ada --next` would
    rank every stored paper instead of the next digest's. The options typed are said again."""
    ws = mail_workspace
    renamed(ws)
    out = refused(ws, "preview", "ada", "--text", "--date", "2026-03-14", "--out", str(tmp_path / "a b.html"))
    assert f"`digest preview ada-lee --out '{tmp_path / 'a b.html'}' --text --date 2026-03-14`" in out, out
    out = refused(ws, "rank", "ada", "--next", "--limit", "5", "--json")
    assert "from the next send: `digest rank ada-lee --json --limit 5 --next`" in out, out


def test_profile_show_and_test_of_a_renamed_file_name_the_new_name(mail_workspace, smtp_server):
    ws = mail_workspace
    renamed(ws)
    assert "`digest profile show ada-lee`" in refused(ws, "profile", "show", "ada")
    out = refused(ws, "profile", "test", "ada", "event cameras", "--weight", "2")
    assert "`digest profile test ada-lee 'event cameras' --weight 2`" in out, out
    assert ws.cli("send", "--user", "ada-lee").exit_code == 0  # carries ada over
    after = ws.cli("profile", "show", "ada")
    assert after.exit_code == 1, after.output
    assert (
        "no profile for user 'ada': ada's profile file was renamed: the reader is ada-lee now "
        "(`digest profile show ada-lee`)"
    ) in after.output, after.output
    assert "Did you mean 'bad'?" in ws.cli("profile", "show", "bax").output  # a typo: the closest name


def test_profile_test_of_a_renamed_file_says_the_command_with_every_option_typed(mail_workspace, smtp_server):
    """`profile test ada SNN --weight 2 --days 7 --show 3` (its help's example, with --show): the
    command said is the one typed, under the new name, --days and --show too (not a run over the
    default 30 days); an option left at its default is left out as typed."""
    ws = mail_workspace
    renamed(ws)
    out = refused(ws, "profile", "test", "ada", "SNN", "--weight", "2", "--days", "7", "--show", "3")
    assert "`digest profile test ada-lee SNN --weight 2 --days 7 --show 3`" in out, out
    out = refused(ws, "profile", "test", "ada", "SNN", "--show", "0")
    assert "`digest profile test ada-lee SNN --show 0`" in out, out


def test_a_weight_said_again_is_the_weight_typed_not_rounded(mail_workspace, smtp_server):
    """`profile add ada SNN --weight 0.1234567` said as `--weight 0.123457` (six digits, as `profile
    show` prints a weight) would, copied, keep another weight than the one asked for."""
    ws = mail_workspace
    renamed(ws)
    out = refused(ws, "profile", "add", "ada", "SNN", "--weight", "0.1234567")
    assert "`digest profile add ada-lee SNN --weight 0.1234567`" in out, out
    out = refused(ws, "profile", "test", "ada", "SNN", "--weight", "98.765432")  # up to 100, as `profile add`
    assert "`digest profile test ada-lee SNN --weight 98.765432`" in out, out


def test_profile_changes_to_a_renamed_file_name_the_new_name_and_write_nothing(mail_workspace, smtp_server):
    """`profile add/remove/exclude/set/edit ada`: refused, the renamed file as it was, no ada.yaml
    made, and bad's (the closest name) untouched."""
    ws = mail_workspace
    renamed(ws)
    folder = ws.root / "profiles"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    tried = {
        ("profile", "add", "ada", "{x} cameras", "--weight", "2"): "add ada-lee '{x} cameras' --weight 2",
        ("profile", "remove", "ada", "spiking"): "remove ada-lee spiking",
        ("profile", "exclude", "ada", "medical", "--remove"): "exclude ada-lee medical --remove",
        ("profile", "set", "ada", "paused", "true"): "set ada-lee paused true",
        ("profile", "edit", "ada"): "edit ada-lee",
    }
    for args, again in tried.items():
        out = refused(ws, *args)
        assert f"from the next send: `digest profile {again}`" in out, out
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_profile_url_of_a_renamed_file_names_the_new_name_and_prints_no_link(
    tmp_path, smtp_server, database, monkeypatch
):
    """No link printed (stdout empty): ada's link, signed for the old name, would open ada-lee's page."""
    monkeypatch.setenv("DIGEST_TEST_SECRET", SECRET)
    ws = WebWorkspace(tmp_path, smtp_server.port, database)
    renamed(ws)
    out = refused(ws, "profile", "url", "ada")
    assert "from the next send: `digest profile url ada-lee`" in out, out
    assert ws.cli("profile", "url", "ada").stdout == ""
    assert ws.cli("profile", "url", "ada-lee").stdout.startswith(f"{ws.base_url}/u/")


def test_the_new_name_said_is_the_current_one_not_a_removed_or_renamed_again_one(mail_workspace, smtp_server):
    """The rename carried over (ada -> ada-lee) is not the last word: ada-lee's file removed, the
    command said is none (`digest profile show ada-lee` would only say that name has no file
    either); ada-lee's file back under another name with the same address (ada-l3, no send since),
    the command said is that name's."""
    ws = mail_workspace
    renamed(ws)
    assert ws.cli("send", "--user", "ada-lee").exit_code == 0  # carries ada over
    text = (ws.root / "profiles" / "ada-lee.yaml").read_text()
    (ws.root / "profiles" / "ada-lee.yaml").unlink()
    assert ws.cli("send").exit_code == 0  # ada-lee's removal noted
    gone = ws.cli("profile", "show", "ada")
    assert gone.exit_code == 1 and "`digest profile show ada-lee`" not in gone.output, gone.output
    assert (
        "no profile for user 'ada': ada's profile file was renamed ada-lee, and ada-lee's is gone too: "
        "the reader was removed"
    ) in gone.output, gone.output
    ws.profile("ada-l3", text)
    again = ws.cli("profile", "show", "ada")
    assert again.exit_code == 1, again.output
    assert (
        "no profile for user 'ada': ada's profile file was renamed ada-lee, and ada-l3 continues ada-lee "
        "(the same address <ada@example.org>;"
    ) in again.output, again.output
    assert "from the next send: `digest profile show ada-l3`" in again.output, again.output


def test_two_new_files_with_the_old_address_are_said_not_a_close_name(mail_workspace, smtp_server, caplog):
    """ada.yaml renamed ada-lee.yaml and copied to ada-two.yaml: none continues ada until the
    operator says which (digest.daemon.renamed.pending); the old name's error says so, in the
    pass's words (not logged as well), instead of "Did you mean 'bad'?"."""
    ws = mail_workspace
    renamed(ws)
    ws.profile("ada-two", (ws.root / "profiles" / "ada-lee.yaml").read_text())
    result = ws.cli("profile", "show", "ada")
    assert result.exit_code == 1 and "Did you mean 'bad'" not in result.output, result.output
    assert (
        "no profile for user 'ada': ada's profile file is gone and ada-lee, ada-two have its address: "
        "none of them continues it (say which by renaming the others' files back, or giving them other "
        "addresses)"
    ) in result.output, result.output
    assert not [r for r in caplog.records if "none of them continues it" in r.getMessage()]  # not twice
