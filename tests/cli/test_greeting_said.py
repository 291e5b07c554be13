"""A server that answers our connection with a code other than 220 was reached, and said why it
takes no mail: a 4xx ("421 4.3.2 busy, try later") passes, the digest deferred; a 5xx ("554 5.7.1
no SMTP service here") refuses us, the digest waits as refused. Neither is a setting of ours to
check: said "the SMTP server host:port (none) answered our connection with 421 ...; it is busy, or
takes no connections for now; tried again later" (a 554: "it takes no mail from us (if it is not
the mail server you meant, check smtp.host and smtp.port)"). Before, "cannot connect to the SMTP
server host:port (none): 421 4.3.2 busy, try later; check smtp.host, smtp.port and smtp.security in
the config", as of a server never reached. Rows stored so before are read as they were. Real raw
socket servers that greet with the code, real `digest send` and `run --once`, real SQLite."""

from __future__ import annotations

from helpers.not_sent import ADA, due_now, greeting, ready, row_of_ada

from digest.deliver.held_said import DEFERRED, REFUSED_BEFORE, REFUSED_US, held_by

from conftest import Workspace


def test_a_busy_greeting_is_said_as_the_server_s_answer_not_our_settings(tmp_path):
    with greeting("421 4.3.2 busy, try later") as port:
        ws = ready(Workspace(tmp_path, port))
        done = ws.cli("send")
        row = row_of_ada(done)
        said = f"127.0.0.1:{port} (no TLS) answered our connection with 421 4.3.2 busy, try later; it is busy"
        assert "deferred until 20" in row and said in row, row
        assert "check smtp" not in done.output and "cannot connect" not in done.output, done.output
        due_now(ws)
        ran = ws.cli("run", "--once")
    assert f"deferred ada: the SMTP server {said}, or takes no connections for now" in ran.stdout, ran.output
    assert "check smtp" not in ran.output, ran.output


def test_a_refusing_greeting_is_said_as_a_refusal_of_us(tmp_path):
    with greeting("554 5.7.1 no SMTP service here") as port:
        ws = ready(Workspace(tmp_path, port))
        done = ws.cli("send")
    row = row_of_ada(done)
    assert "not sent: the mail server refused our mail, not the address; waits until 20" in row, row
    assert row.endswith(
        f"127.0.0.1:{port} (no TLS) "
        "answered our connection with 554 5.7.1 no SMTP service here; it takes "
        "no mail from us (if it is not the mail server you meant, check smtp.host and smtp.port); tried "
        "again later"
    ), row
    assert "smtp.security" not in done.output and "cannot connect" not in done.output, done.output


def test_rows_stored_before_read_as_they_were():
    before = (
        "cannot connect to the SMTP server mx:25 (none): {}; check smtp.host, smtp.port and smtp.security"
    )
    assert held_by(before.format("421 4.3.2 busy")) == DEFERRED
    assert held_by(before.format("554 5.7.1 no SMTP service here")) == REFUSED_US


def test_a_digest_the_pass_did_not_offer_after_a_refusal_is_said_not_offered(tmp_path):
    """The pass stops knocking once the server refused our connection: bob's digest, after ada's,
    was never offered ("not tried: the SMTP server ... 554 ..."), so not refused: said "not offered,
    as the mail server refused our mail before it". Before, "not sent: the mail server refused our
    mail, not the address", as ada's, in `digest send`, `run --once` and `send --to-dir`."""
    with greeting("554 5.7.1 no SMTP service here") as port:
        ws = ready(Workspace(tmp_path, port))
        ws.profile("bob", ADA.replace("ada@", "bob@"))
        done = ws.cli("send")
        due_now(ws)
        ran = ws.cli("run", "--once")
        looked = ws.cli("send", "--to-dir", str(tmp_path / "out"))
    (bob,) = [line for line in done.stdout.splitlines() if line.startswith("bob ")]
    assert "not offered, as the mail server refused our mail before it; waits until 20" in bob, bob
    assert "(no TLS) answered our connection with 554" in bob and "not the address" not in bob, bob
    assert "not sent: the mail server refused our mail, not the address" in row_of_ada(done), done.output
    assert "not sent to bob (not offered, as the mail server refused our mail before it): " in ran.stdout
    assert (
        "not written (not offered, as the mail server refused our mail before it, it waits" in looked.stderr
    )
    assert held_by("not tried: 550 5.7.1 relaying denied") == REFUSED_BEFORE  # after a relay refused
