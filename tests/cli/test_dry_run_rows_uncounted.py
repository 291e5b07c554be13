"""`digest send --dry-run` says the row of a reader the send tries no digest for (paused, suppressed,
sent already this period) as the send says it: no count of papers. Before, the dry run's read
"carol  carol@example.org  0 papers  paused: ..." and "dave ... 0 papers  already sent today at
07:02 UTC" where the send's read "carol  carol@example.org  paused: ..." (cli/daily.py).

Real parts: real `digest` processes with their clock at a given moment (libfaketime), a real SMTP
server (aiosmtpd on loopback), SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.faked import digest_at, needs_faketime

from conftest import make_dump

pytestmark = [pytest.mark.backends, needs_faketime]

AT = dt.datetime(2026, 3, 15, 7, 2)


def dry_run_then_send(ws, **others: str) -> tuple[list[str], list[str]]:
    """carol (paused), dave (his digest of the day sent at AT) and ``others`` (each reader's one
    interest), the listing of one paper on neuromorphic chips: the lines `digest send --dry-run`
    then `digest send` said at AT."""
    ws.profile("carol", "email: carol@example.org\ninterests: [neuromorphic]\npaused: true\n")
    ws.profile("dave", "email: dave@example.org\ninterests: [neuromorphic]\n")
    for user, interest in others.items():
        ws.profile(user, f"email: {user}@example.org\ninterests: [{interest}]\n")
    ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "About neuromorphic chips.")]))
    digest_at(ws, "send", "--user", "dave", at=AT)  # dave's digest of the day: sent
    dry = digest_at(ws, "send", "--dry-run", at=AT).stdout.splitlines()
    return dry, digest_at(ws, "send", at=AT).stdout.splitlines()


def test_the_rows_of_readers_sent_nothing_are_said_alike_by_the_dry_run_and_the_send(mail_workspace):
    dry, sent = dry_run_then_send(mail_workspace)
    rows = [
        "carol            carol@example.org                            paused: gets nothing until "
        "`digest profile set carol paused false`",
        "dave             dave@example.org                             already sent today at 07:02 UTC",
    ]
    assert sent == rows, sent
    assert dry[:2] == rows, dry  # was: "... 0 papers  paused: ...", "... 0 papers  already sent ..."


def test_the_rows_without_a_count_say_their_reason_in_the_column_of_the_counted_rows_status(
    mail_workspace,
):
    # Before: "carol  carol@example.org  paused: ..." began its reason where the counted rows have
    # their count ("   1 paper"), their status ("sent", "nothing new") twelve columns further right
    dry, sent = dry_run_then_send(mail_workspace, erin="neuromorphic", fay="gardening")
    reasons = {"carol": "paused: gets nothing", "dave": "already sent today", "fay": "nothing new"}
    status = {"erin": "sent", **reasons}
    rows = {line.split()[0]: line for line in sent}
    assert sorted(rows) == sorted(status), sent
    columns = {user: rows[user].index(said) for user, said in status.items()}
    assert len(set(columns.values())) == 1, sent  # one column, counted or not
    assert rows["erin"][: columns["erin"]].rstrip().endswith("1 paper"), sent
    for user in ("carol", "dave"):  # no count: blank where the others have theirs
        assert rows[user][: columns[user]].rstrip().endswith(f"{user}@example.org"), sent
    for user in ("carol", "dave", "fay"):  # the dry run's rows of them: the send's
        assert rows[user] in dry, dry
    assert [line for line in dry if line.startswith("erin ")] == [rows["erin"].removesuffix("  sent")], dry
