"""A reader's digest of the day refused for good: a `digest send` again says how to send them
one now, and that one goes. A real aiosmtpd on loopback."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from helpers.faked import digest_at, needs_faketime
from helpers.refusing_relay import READERS, RefusingData, delivered
from helpers.refusing_relay import readers as workspace_of_readers

from digest.demo.smtp_server import LocalSmtpServer

pytestmark = pytest.mark.backends

SENT = dt.datetime(2026, 3, 14, 12, 0, tzinfo=dt.UTC)  # a test's sends: in one day, whenever it runs


@needs_faketime
def test_a_send_again_after_a_final_refusal_says_how_to_send_the_reader_a_digest_now(tmp_path, database):
    """The user, the server's fault mended, ran `digest send` again and read only 'r2 ...
    already attempted today at 14:48 UTC: 554 5.6.0 Message content rejected', exit 0: nothing
    said that the send would not try it again, nor how to send r2 a digest today."""
    handler = RefusingData({"r2@example.org"}, "554 5.6.0 Message content rejected")
    with LocalSmtpServer(handler) as server:
        ws = workspace_of_readers(tmp_path, server, database)
        # each command on a clock of the test's (libfaketime), in one day: at the real time, a send at
        # 23:59:58 and the next after midnight were of two days, the second's row r2's new digest
        result = digest_at(ws, "send", at=SENT, code=1)
        assert "FAILED: 554 5.6.0 Message content rejected" in result.stdout, result.stdout
        handler.refused = set()  # the server mended
        for args in (("send", "--dry-run"), ("send",)):
            said = digest_at(ws, *args, at=SENT + dt.timedelta(minutes=1)).stdout
            (r2,) = [line for line in said.splitlines() if line.startswith("r2 ")]
            assert ": 554 5.6.0 Message content rejected; not tried again: r2's next digest will " in r2
            assert "include its papers, or send them now with `digest send --user r2 --force`" in r2, r2
        assert handler.refusals == 1
        digest_at(ws, "send", "--user", "r2", "--force", at=SENT + dt.timedelta(minutes=2))
        assert delivered(handler) == Counter({f"{u}@example.org": 1 for u in READERS})


def test_status_notes_a_later_digest_beside_a_message_that_failed_for_good(tmp_path, database):
    """After `send --user r2 --force` delivered r2's digest, `digest status` still listed r2's
    refused message under "Messages that failed for good" with nothing of the digest that went
    out since, as if r2 still had had none."""
    handler = RefusingData({"r2@example.org"}, "554 5.6.0 Message content rejected")
    with LocalSmtpServer(handler) as server:
        ws = workspace_of_readers(tmp_path, server, database)
        assert ws.cli("send").exit_code == 1
        failed = ws.cli("status").output.split("Messages that failed for good:\n")[1].splitlines()[0]
        assert failed.startswith("  r2 <r2@example.org> (") and failed.endswith(
            "): 554 5.6.0 Message content rejected"
        )
        handler.refused = set()  # the server mended
        assert ws.cli("send", "--user", "r2", "--force").exit_code == 0
        status = ws.cli("status").output
    (line,) = [
        x for x in status.split("Messages that failed for good:\n")[1].splitlines() if x.startswith("  r2 ")
    ]
    assert line.startswith(failed + " (a later digest was sent at "), status
    assert line.endswith(")") and "r1 <" not in status.split("Messages that failed for good:\n")[1]


def test_the_note_names_the_address_a_later_digest_went_to_when_it_is_another(tmp_path, database):
    """r2's digest refused at r2@example.org, then r2's address changed and a digest sent there:
    the note beside the refusal said 'a later digest was sent at ...' with no address, so one
    read it as the refused address taking mail again."""
    handler = RefusingData({"r2@example.org"}, "550 5.1.1 Mailbox unavailable")
    with LocalSmtpServer(handler) as server:
        ws = workspace_of_readers(tmp_path, server, database)
        assert ws.cli("send").exit_code == 1
        ws.profile("r2", "email: r2@new.example.org\ninterests: [robots]\n")
        assert ws.cli("send", "--user", "r2", "--force").exit_code == 0
        status = ws.cli("status").output
    (line,) = [
        x for x in status.split("Messages that failed for good:\n")[1].splitlines() if x.startswith("  r2 ")
    ]
    assert line.startswith("  r2 <r2@example.org> ("), status
    assert "): 550 5.1.1 Mailbox unavailable (a later digest was sent to r2@new.example.org at " in line


def test_a_newcomer_given_a_removed_readers_name_puts_no_note_on_their_refusal(tmp_path, database):
    """r2's digest refused at r2@example.org, r2.yaml removed (found gone by a send), the name
    then given to zed@example.net, whose digest is sent: the refusal is the removed reader's,
    moved aside with their records (r2~removed-TIME), and no later digest of theirs went, so it
    is listed with no note; zed's digest is not "a later digest" of that reader."""
    handler = RefusingData({"r2@example.org"}, "550 5.1.1 Mailbox unavailable")
    with LocalSmtpServer(handler) as server:
        ws = workspace_of_readers(tmp_path, server, database)
        assert ws.cli("send").exit_code == 1
        (ws.root / "profiles" / "r2.yaml").unlink()
        assert ws.cli("send").exit_code == 0  # its look finds r2.yaml gone
        ws.profile("r2", "email: zed@example.net\ninterests: [robots]\n")
        sent = ws.cli("send")
        assert sent.exit_code == 0 and "zed@example.net" in sent.output and " sent" in sent.output
        status = ws.cli("status").output
    failed = [
        x for x in status.split("Messages that failed for good:\n")[1].splitlines() if x.startswith("  ")
    ]
    assert len(failed) == 1 and failed[0].startswith("  r2~removed-"), status
    assert " <r2@example.org> (" in failed[0] and failed[0].endswith("): 550 5.1.1 Mailbox unavailable"), (
        status
    )


@needs_faketime
def test_a_send_again_after_a_final_refusal_exits_0_and_its_help_says_why(tmp_path, database):
    """`digest send` again the day a digest was refused for good exited 0 with nothing saying
    whether that was meant: a cron job could not tell a refusal said once from one not looked at.
    It is meant (the send tried nothing; the one that met the refusal exited 1), and said."""
    handler = RefusingData({"r2@example.org"}, "554 5.6.0 Message content rejected")
    with LocalSmtpServer(handler) as server:
        ws = workspace_of_readers(tmp_path, server, database)
        # each send on a clock of the test's (libfaketime), in one day: at the real time, a send at
        # 23:59:59 and the next after midnight were of two days, the second making the new day's
        # digest, refused again (exit 1)
        digest_at(ws, "send", at=SENT, code=1)
        again = digest_at(ws, "send", at=SENT + dt.timedelta(minutes=1)).stdout
    assert "already attempted today at 12:00 UTC: 554 5.6.0 Message content rejected" in again, again
    assert handler.refusals == 1
    help_text = " ".join(ws.cli("send", "--help").output.split())
    assert (
        "A reader's digest refused for good by an earlier send (said \"already attempted today at ...: "
        '554 ...; not tried again") leaves it 0: this send tried nothing, the one that met the refusal '
        'exited 1, and `digest status` lists it under "Messages that failed for good".'
    ) in help_text
