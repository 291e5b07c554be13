"""`digest feedback ada ...` and `digest rank ada` after ada's profile file was renamed
``ada-lee.yaml`` name the reader's new name, as `digest send --user ada` does
(tests/cli/test_send_renamed_user.py), not the closest file name in the folder, another reader
("Did you mean 'bad'?": a rating given to bob's neighbour by a copied command). The command to use
is the one typed, with the new name. Before the first send under it, the rename the next send
carries over; after, the rename carried over. A real send to aiosmtpd on loopback."""

from __future__ import annotations

from helpers.renamed_reader import renamed


def test_feedback_and_rank_of_a_renamed_file_name_the_new_name(mail_workspace, smtp_server):
    ws = mail_workspace
    renamed(ws)
    before = ws.cli("feedback", "ada", "1", "up")
    assert before.exit_code == 1 and "Did you mean 'bad'" not in before.output, before.output
    assert (
        "no profile for user 'ada': ada-lee continues ada (the same address <ada@example.org>;"
        in before.output
    )
    assert "from the next send: `digest feedback ada-lee 1 up`" in before.output, before.output
    assert ws.cli("send", "--user", "ada-lee").exit_code == 0  # carries ada over
    moved = "no profile for user 'ada': ada's profile file was renamed: the reader is ada-lee now"
    after = ws.cli("feedback", "ada", "1", "down")
    assert after.exit_code == 1 and f"{moved} (`digest feedback ada-lee 1 down`)" in after.output, (
        after.output
    )
    ranked = ws.cli("rank", "ada")
    assert ranked.exit_code == 1 and f"{moved} (`digest rank ada-lee`)" in ranked.output, ranked.output
    assert "Did you mean 'bad'?" in ws.cli("feedback", "bax", "1", "up").output  # a typo: the closest name
    assert "Did you mean 'bad'?" in ws.cli("rank", "bax").output
