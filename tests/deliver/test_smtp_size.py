"""A real `digest send` to aiosmtpd on loopback whose SIZE (RFC 1870) is smaller than a digest. A
one-paper digest over it cannot be made smaller by the reader: a send again says that sending
its papers now (`--force`) waits for a digest that fits the server's SIZE, as `--force` then
meets the same refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.faked import digest_at, needs_faketime

from conftest import Workspace, make_dump

SAVED = dt.datetime(2026, 3, 14, 9, 0, tzinfo=dt.UTC)  # the listing of Mar 14, saved that morning
SENT = dt.datetime(2026, 3, 14, 12, 0, tzinfo=dt.UTC)

PAPERS = [
    (f"Spiking Networks, Part {i}", "We train spiking neural networks on event data. " * 20) for i in range(5)
]


@pytest.fixture
def small_server(smtp_servers):
    return smtp_servers(data_size_limit=4000)


def test_a_digest_larger_than_the_servers_size_fails_saying_both_sizes_without_sending_it(
    tmp_path, small_server
):
    ws = Workspace(tmp_path, small_server.port)
    ws.dump("day.txt", make_dump("Mar 14", PAPERS))
    ws.profile("ada", "email: ada@example.org\ninterests: [spiking]\n")
    ws.cli("ingest")
    result = ws.cli("send")
    assert result.exit_code == 1
    assert "FAILED: the message is " in result.output
    assert "bytes, more than the server takes (its SIZE: 4,000 bytes)" in result.output
    assert "fewer papers (max_papers in the reader's profile) make a smaller digest" in result.output
    assert small_server.handler.messages == []
    status = ws.cli("status").output
    assert "Messages that failed for good:" in status and "its SIZE: 4,000 bytes" in status


def test_a_one_paper_digest_larger_than_the_servers_size_says_fewer_papers_cannot_help(
    tmp_path, small_server
):
    ws = Workspace(tmp_path, small_server.port)
    ws.dump("day.txt", make_dump("Mar 14", PAPERS[:1]))
    ws.profile("ada", "email: ada@example.org\ninterests: [spiking]\nmax_papers: 1\n")
    ws.cli("ingest")
    result = ws.cli("send")
    assert result.exit_code == 1
    assert "1 paper  FAILED: the message is " in result.output
    assert "bytes with one paper, more than the server takes (its SIZE: 4,000 bytes)" in result.output
    assert "fewer papers (max_papers" not in result.output, result.output
    assert "the server's message size limit has to be raised (by its administrator)" in result.output
    assert small_server.handler.messages == []


@needs_faketime
def test_a_send_again_after_a_one_paper_digest_over_size_does_not_offer_force_alone(tmp_path, small_server):
    """Each command on a clock of the test's (libfaketime), in one day: at the real time, a send at
    23:59:59 and one after midnight were of two days, the second making the new day's digest (a
    digest over SIZE again: "1 paper  FAILED: the message is ...", exit 1), not "already attempted"."""
    ws = Workspace(tmp_path, small_server.port)
    ws.dump("day.txt", make_dump("Mar 14", PAPERS[:1]), mtime=SAVED)
    ws.profile("ada", "email: ada@example.org\ninterests: [spiking]\nmax_papers: 1\n")
    digest_at(ws, "ingest", at=SENT)
    digest_at(ws, "send", at=SENT, code=1)
    again = digest_at(ws, "send", at=SENT + dt.timedelta(minutes=1)).stdout
    assert "already attempted today at 12:00 UTC: " in again, again
    assert (
        "; not tried again: once a digest fits the server's size limit (as said before), ada's next digest "
        "will include its papers, or send them now with `digest send --user ada --force`"
    ) in again, again
    # before the server's limit is raised
    forced = digest_at(ws, "send", "--user", "ada", "--force", at=SENT + dt.timedelta(minutes=2), code=1)
    assert "bytes with one paper, more than the server takes" in forced.stdout, forced.stdout
    assert small_server.handler.messages == []
