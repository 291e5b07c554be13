"""A digest not delivered, waiting in the outbox for its retry, is said as what happened to it:
"deferred" only of a mail server that answered 4xx (its reply quoted; at the connection too, as
a busy server's "421" greeting), "the mail server could not be reached" of a connection refused
or taken by a port on which no server ever spoke (no server said anything; the error quoted),
"the mail server does not take our smtp settings" of one reached that offers no STARTTLS or
login, refuses the login or our sender, or whose certificate we refuse (what to fix quoted),
"not written" of a file the file transport (`send --to-dir`) could not write (the path and error
quoted). Before, all read "deferred until ..." in `digest send`'s rows and the daemon's log,
"deferred ada:" in `run --once`'s lines, and `send --to-dir` said "not written (deferred by the
mail server ...)" of a digest no server deferred. Real SQLite, a real loopback port nobody
listens on, a real aiosmtpd answering 451 (or without TLS, or login, or with a self-signed
certificate), a real folder that cannot be made."""

from __future__ import annotations

import socket
import ssl

from helpers.not_sent import ADA, SETTINGS, Defers, greeting, ready, row_of_ada, with_smtp
from helpers.smtp_login import login_server, refusing_logins

from digest.demo.smtp_server import LocalSmtpServer, Mailbox, free_port
from digest.store import Store

from conftest import Workspace

REFUSED = "cannot connect to the SMTP server 127.0.0.1:"


def test_a_server_that_cannot_be_reached_is_said_so_not_deferred(tmp_path):
    ws = ready(Workspace(tmp_path, free_port()))  # kept, not listening: the connection is refused
    done = ws.cli("send")
    (row,) = [line for line in done.stdout.splitlines() if line.startswith("ada ")]
    assert "not sent: the mail server could not be reached; waits until 20" in row, row
    assert REFUSED in row and "deferred" not in row, row

    looked = ws.cli("send", "--to-dir", str(tmp_path / "out"))
    kept = "not written (the mail server could not be reached, it waits for its retry by SMTP"
    assert kept in looked.stderr, looked.stderr
    assert "deferred" not in looked.stderr, looked.stderr
    helped = " ".join(ws.cli("send", "--help").stdout.split())  # --to-dir's help says it leaves it too
    assert "not sent as the mail server stopped answering or could not be reached, or as" in helped


def test_run_once_says_the_server_could_not_be_reached(tmp_path):
    ws = ready(Workspace(tmp_path, free_port()))
    assert ws.cli("send").exit_code == 1  # queued, not reached
    with Store(ws.config.database) as store:  # its retry due now
        store.db.execute("UPDATE outbox SET next_attempt_at = ?", ("2000-01-01T00:00:00+00:00",))
        store.db.commit()
    done = ws.cli("run", "--once")
    assert f"not sent to ada (the mail server could not be reached): {REFUSED}" in done.stdout, done.output
    assert "deferred" not in done.output, done.output


def test_a_file_that_cannot_be_written_is_said_so_not_deferred(tmp_path):
    ws = ready(Workspace(tmp_path, free_port()))
    (tmp_path / "afile").write_text("")
    done = ws.cli("send", "--to-dir", str(tmp_path / "afile" / "out"))
    (row,) = [line for line in done.stdout.splitlines() if line.startswith("ada ")]
    assert "not written; waits until 20" in row and f"cannot write {tmp_path}/afile/out/" in row, row
    assert "Not a directory" in row and "deferred" not in row, row


def test_a_server_s_4xx_is_still_said_deferred_with_its_reply(tmp_path):
    with LocalSmtpServer(Defers()) as server:
        ws = ready(Workspace(tmp_path, server.port))
        done = ws.cli("send")
    (row,) = [line for line in done.stdout.splitlines() if line.startswith("ada ")]
    assert "deferred until 20" in row and row.endswith("451 4.3.0 try later"), row


def test_a_server_that_answers_the_connection_with_a_4xx_deferred_it(tmp_path):
    """A server busy at the connection ("421 4.3.2 busy") was reached: it deferred the digest."""
    with greeting("421 4.3.2 busy, try later") as port:
        ws = ready(Workspace(tmp_path, port))
        done = ws.cli("send")
        (row,) = [line for line in done.stdout.splitlines() if line.startswith("ada ")]
        assert "deferred until 20" in row and "421 4.3.2 busy, try later" in row, row
        assert "could not be reached" not in row, row
        looked = ws.cli("send", "--to-dir", str(tmp_path / "out"))
    assert "not written (deferred by the mail server, it waits for its retry" in looked.stderr, looked.stderr


def test_a_port_that_takes_the_connection_and_never_greets_is_said_unreached(tmp_path):
    """Taken by the port, timed out before any greeting: no mail server said anything."""
    with socket.create_server(("127.0.0.1", 0)) as silent:  # listens, never answers
        ws = ready(Workspace(tmp_path, silent.getsockname()[1]))
        ws.config_path.write_text(ws.config_path.read_text().replace("timeout: 5", "timeout: 1"))
        done = ws.cli("send")
    (row,) = [line for line in done.stdout.splitlines() if line.startswith("ada ")]
    assert "not sent: the mail server could not be reached; waits until 20" in row, row
    assert "took the connection, and timed out before its greeting" in row and "deferred" not in row, row


def test_a_server_that_does_not_take_our_settings_is_said_so_not_deferred(tmp_path, monkeypatch, caplog):
    """Reached, and nothing deferred: a server with no STARTTLS for `smtp.security: starttls`, with
    no login for smtp.username, or refusing the login (535) holds the digest until the config is
    fixed. Before, "deferred until ...", as of a server's 4xx."""
    with LocalSmtpServer(Mailbox()) as server:  # no TLS: offers no STARTTLS
        ws = with_smtp(tmp_path / "tls", server.port, "  security: starttls\n")
        done = ws.cli("send")
        row = row_of_ada(done)
        assert SETTINGS in row, row
        assert "offers no STARTTLS (smtp.security: starttls)" in row and "deferred" not in row, row
        with Store(ws.config.database) as store:  # its retry due now
            store.db.execute("UPDATE outbox SET next_attempt_at = ?", ("2000-01-01T00:00:00+00:00",))
            store.db.commit()
        ran = ws.cli("run", "--once")
        assert "not sent to ada (the mail server does not take our smtp settings): the SMTP" in ran.stdout
        assert "deferred" not in ran.output, ran.output
        looked = ws.cli("send", "--to-dir", str(tmp_path / "out"))
    assert "not written (the mail server does not take our smtp settings, it waits" in looked.stderr
    helped = " ".join(ws.cli("send", "--help").stdout.split())  # --to-dir's help says it leaves it too
    assert (  # whatever held it (digest.deliver.held_said)
        "A reader's email is left queued, not written (each one said): a digest waiting for its retry by "
        "SMTP (deferred by the mail server, not taken with our smtp settings, refused as our mail (not the "
        "address) or not offered after such a refusal, not sent as the mail server stopped answering or "
        "could not be reached, or as our smtp settings cannot be used, or as an error in digest itself "
        "stopped it; or its answer lost after its data, or neither an acceptance nor a refusal "
        '("221 bye"): the mail '
        "server may have it), and one made for email by a `digest send` or the daemon stopped before it "
        "tried it."
    ) in helped, helped

    monkeypatch.setenv("SMTP_PASSWORD", "secret")
    login = "  username: ada\n  password_env: SMTP_PASSWORD\n"
    with login_server() as port:  # its login only after TLS (aiosmtpd's default): none offered here
        ws = with_smtp(tmp_path / "auth", port, login)
        done = ws.cli("send")
    row = row_of_ada(done)
    assert SETTINGS in row, row
    assert "offers no login (AUTH)" in row and "deferred" not in row, row

    with refusing_logins() as port, caplog.at_level("WARNING"):
        ws = with_smtp(tmp_path / "refused", port, login)
        ws.cli("send")
    (said,) = [r.getMessage() for r in caplog.records if "ada@example.org" in r.getMessage()]
    assert SETTINGS in said, said
    assert "authentication failed at the SMTP server" in said and "deferred" not in said, said


def test_a_server_whose_tls_we_refuse_was_reached(tmp_path, smtp_servers, certificate, monkeypatch):
    """A certificate refused (self-signed, no smtp.ca_file) or a server that answers in the clear
    where `smtp.security: ssl` wants TLS: the server was reached, its TLS not taken with our
    settings. Before, "the mail server could not be reached"."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server = smtp_servers(tls_context=context, require_starttls=True)
    ws = with_smtp(tmp_path / "tls", server.port, "  security: starttls\n")
    done = ws.cli("send")
    row = row_of_ada(done)
    assert SETTINGS in row, row
    assert "the server's certificate is not trusted (self-signed certificate)" in row, row
    assert "could not be reached" not in row and "deferred" not in row, row

    with LocalSmtpServer(Mailbox()) as plain:
        ws = with_smtp(tmp_path / "clear", plain.port, "  security: ssl\n")
        done = ws.cli("send")
    row = row_of_ada(done)
    assert SETTINGS in row, row
    assert "the server answered in the clear, not in TLS" in row and "could not be reached" not in row, row


def test_a_digest_not_offered_after_the_first_is_said_not_sent_once(tmp_path):
    """The pass's first digest found the server unreachable, so bob's was not offered: "not sent
    to bob (the mail server could not be reached): cannot connect ...", not "...: not tried:
    cannot connect ..." (said twice). After a deferral, "deferred bob: not tried: 421 ..." still
    says bob's was not offered."""
    ws = ready(Workspace(tmp_path, free_port()))
    ws.profile("bob", ADA.replace("ada@", "bob@"))
    done = ws.cli("send")
    bob = [line for line in done.stdout.splitlines() if line.startswith("bob ")]
    assert bob and "waits until 20" in bob[0] and "not tried" not in bob[0], done.output
    with Store(ws.config.database) as store:  # their retries due now
        store.db.execute("UPDATE outbox SET next_attempt_at = ?", ("2000-01-01T00:00:00+00:00",))
        store.db.commit()
    ran = ws.cli("run", "--once")
    said = [line for line in ran.stdout.splitlines() if line.startswith("not sent to ")]
    assert len(said) == 2 and all(f"reached): {REFUSED}" in line for line in said), ran.output
    assert "not tried" not in ran.output, ran.output

    with greeting("421 4.3.2 busy, try later") as port:  # deferred: bob's said "not tried" still
        (tmp_path / "busy").mkdir()
        ws = ready(Workspace(tmp_path / "busy", port))
        ws.profile("bob", ADA.replace("ada@", "bob@"))
        done = ws.cli("send")
    bob = [line for line in done.stdout.splitlines() if line.startswith("bob ")]
    assert bob and "deferred until 20" in bob[0] and ": not tried: the SMTP server" in bob[0], done.output


def test_a_sender_refused_at_mail_from_for_want_of_tls_is_said_not_taking_our_settings(
    tmp_path, smtp_servers, certificate, caplog
):
    """A server that takes mail only over TLS, with `smtp.security: none`: it refuses our sender at
    MAIL FROM ("530 Must issue a STARTTLS command first"), as it would refuse smtp.from or our
    account: the server was reached and deferred nothing, the config is to fix. Before, "deferred
    until ...", as of a server's 4xx."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server = smtp_servers(tls_context=context, require_starttls=True)
    ws = with_smtp(tmp_path / "tls", server.port, "  security: none\n")
    with caplog.at_level("WARNING"):
        ws.cli("send")
    (said,) = [r.getMessage() for r in caplog.records if "ada@example.org" in r.getMessage()]
    assert SETTINGS in said, said
    assert "refused the sender <digest@example.org> at MAIL FROM: 530" in said, said
    assert "deferred" not in said, said
