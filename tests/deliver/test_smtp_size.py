"""A real `digest send` to aiosmtpd on loopback whose SIZE (RFC 1870) is smaller than a digest. A
one-paper digest over it cannot be made smaller by the reader: a send again says that sending
its papers now (`--force`) waits for a digest that fits the server's SIZE, as `--force` then
meets the same refusal."""

from __future__ import annotations

import pytest

from conftest import Workspace, make_dump

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


def test_a_send_again_after_a_one_paper_digest_over_size_does_not_offer_force_alone(tmp_path, small_server):
    ws = Workspace(tmp_path, small_server.port)
    ws.dump("day.txt", make_dump("Mar 14", PAPERS[:1]))
    ws.profile("ada", "email: ada@example.org\ninterests: [spiking]\nmax_papers: 1\n")
    ws.cli("ingest")
    assert ws.cli("send").exit_code == 1
    again = ws.cli("send")
    assert again.exit_code == 0, again.output
    assert "already attempted today at " in again.output, again.output
    assert (
        "; not tried again: once a digest fits the server's SIZE (as said before), ada's next digest "
        "will include its papers, or send them now with `digest send --user ada --force`"
    ) in again.output, again.output
    forced = ws.cli("send", "--user", "ada", "--force")  # before the server's limit is raised
    assert forced.exit_code == 1 and "bytes with one paper, more than the server takes" in forced.output
    assert small_server.handler.messages == []
