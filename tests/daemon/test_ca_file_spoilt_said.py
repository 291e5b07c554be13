"""smtp.ca_file gone or spoilt while the daemon runs (it reads config.yaml again only when that
changes, the ca_file at each connection): no server is tried, and the digest waits for its retry.
The daemon's log says it as our own setting's fault: "digest to ada <ada@example.org> not sent:
our smtp settings cannot be used, no server was tried; waits until ...: smtp.ca_file: <file> is
not there (since the config was read); put the server's certificate back there, ...". Before, it
said "deferred until ...", as of a mail server's 4xx, though no server was contacted. (`digest
status` and `digest send` read the config afresh: they refuse it, naming its line, key and file.)
A real aiosmtpd with a self-signed certificate (STARTTLS), real SQLite, the daemon's pass."""

from __future__ import annotations

import datetime as dt
import logging
import ssl

from digest.daemon.tick import run_once
from digest.deliver.transports import SmtpSender
from digest.profiles.load import load_profiles
from digest.store import Store

from conftest import Workspace, make_dump

MON_0700 = dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)


def test_a_ca_file_gone_while_the_daemon_runs_is_said_as_our_setting(
    tmp_path, smtp_servers, certificate, monkeypatch, caplog
):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server = smtp_servers(tls_context=context, require_starttls=True)
    ws = Workspace(tmp_path, server.port)
    ca = tmp_path / "ca.pem"
    ca.write_bytes(certificate[0].read_bytes())
    ws.config_path.write_text(ws.config_path.read_text() + "  security: starttls\n  ca_file: ca.pem\n")
    ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:30"\n')
    ws.dump("d1.txt", make_dump("Mar 15", [("Neuromorphic Chips", "Spikes.")]), mtime=MON_0700)
    config = ws.config  # read while the file is there, as the daemon read it
    ca.unlink()
    with Store(config.database) as store, caplog.at_level(logging.WARNING, "digest"):
        run_once(
            config, store, load_profiles(config), SmtpSender(config.smtp), MON_0700 + dt.timedelta(minutes=31)
        )
    (said,) = [r.getMessage() for r in caplog.records if "ada@example.org" in r.getMessage()]
    assert (
        "digest to ada <ada@example.org> not sent: our smtp settings cannot be used, no server was tried; "
        in said
    )
    assert (
        "waits until 20" in said and f": smtp.ca_file: {ca} is not there (since the config was read)" in said
    )
    assert "deferred" not in said, said
    assert server.handler.messages == []
