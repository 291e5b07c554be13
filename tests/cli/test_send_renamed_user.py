"""`digest send --user ada` after ada's profile file was renamed ``ada-lee.yaml``: the name has no
file, and the closest file name in the folder is another reader's ("Did you mean 'bad'?"). The
error names the reader's new name instead: before the first send under it, the rename the send
will carry over (the same address); after, the rename carried over (reader_renames). Exit 1 both
times, as for any name without a file. A real send to aiosmtpd on loopback."""

from __future__ import annotations

from pathlib import Path

from helpers.renamed_reader import renamed


def test_send_user_of_a_renamed_file_names_the_new_name_not_the_closest_file(mail_workspace, smtp_server):
    ws = mail_workspace
    renamed(ws)
    before = ws.cli("send", "--user", "ada")
    assert before.exit_code == 1
    assert "Did you mean 'bad'" not in before.output, before.output
    assert (
        "no profile for user 'ada': ada-lee continues ada (the same address <ada@example.org>;"
        in before.output
    )
    assert "from the next send: `digest send --user ada-lee`" in before.output, before.output
    assert ws.cli("send", "--user", "ada-lee").exit_code == 0  # carries ada over
    after = ws.cli("send", "--user", "ada")
    assert after.exit_code == 1
    assert (
        "no profile for user 'ada': ada's profile file was renamed: the reader is ada-lee now "
        "(`digest send --user ada-lee`)"
    ) in after.output, after.output
    assert "Did you mean 'bad'?" in ws.cli("send", "--user", "bax").output  # a typo: the closest name


def test_a_name_without_a_file_before_any_database_creates_none(workspace):
    """The lookup of a new name only reads: a mistyped `send --user` on a setup that never sent
    leaves no empty database behind (at a `database:` path mistyped too, say)."""
    workspace.profile("bad", "email: bad@example.org\ninterests: [spiking]\n")
    result = workspace.cli("send", "--user", "bax")
    assert result.exit_code == 1 and "Did you mean 'bad'?" in result.output, result.output
    assert not Path(workspace.config.database).exists()


def test_the_send_said_for_the_old_name_is_the_one_typed_dry_run_and_other_readers_kept(
    mail_workspace, smtp_server, tmp_path
):
    """`send --user ada --user bad --dry-run --to-dir DIR`: the command said is that send under the
    new name, not a bare `digest send --user ada-lee`, which copied would send ada-lee's digest for
    real (by SMTP, not into DIR) when only a look was asked, and leave bad out."""
    ws = mail_workspace
    renamed(ws)
    sent = len(smtp_server.messages)
    looked = tmp_path / "look here"
    result = ws.cli("send", "--user", "ada", "--user", "bad", "--dry-run", "--to-dir", str(looked))
    assert result.exit_code == 1, result.output
    said = f"`digest send --user ada-lee --user bad --dry-run --to-dir '{looked}'`"
    assert f"from the next send: {said}" in result.output, result.output
    assert len(smtp_server.messages) == sent and not looked.exists()  # nothing done, as before
