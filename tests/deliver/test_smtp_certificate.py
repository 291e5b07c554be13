"""A real `digest send` to aiosmtpd on loopback whose certificate is self-signed: what is said,
and smtp.ca_file, the certificate to trust for that server (STARTTLS and TLS from the start)."""

from __future__ import annotations

import ssl

import pytest

from conftest import Workspace, make_dump

PAPERS = [("Spiking Neural Networks at Scale", "We train spiking neural networks on event data.")]


@pytest.fixture
def tls_server(certificate, smtp_servers):
    """aiosmtpd with the self-signed certificate: STARTTLS required, or TLS from the start."""
    cert, key = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    tls = {"ssl": {"ssl_context": context}, "starttls": {"tls_context": context, "require_starttls": True}}
    return lambda security: smtp_servers(**tls[security])


def workspace(root, port, settings):
    root.mkdir(exist_ok=True)
    ws = Workspace(root, port)
    ws.config_path.write_text(ws.config_path.read_text() + settings)
    ws.dump("day.txt", make_dump("Mar 14", PAPERS))
    ws.profile("ada", "email: ada@example.org\ninterests: [spiking]\n")
    ws.cli("ingest")
    return ws


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_a_self_signed_certificate_is_said_with_the_setting_that_trusts_it(
    security, tmp_path, tls_server, certificate, monkeypatch
):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    server = tls_server(security)
    ws = workspace(tmp_path / "a", server.port, f"  security: {security}\n")
    result = ws.cli("send")
    assert result.exit_code == 1
    assert "the server's certificate is not trusted (self-signed certificate)" in result.output
    assert "set smtp.ca_file to the certificate of the server (or of its CA)" in result.output
    assert "check smtp.host, smtp.port and smtp.security" not in result.output
    assert server.handler.messages == []

    ws = workspace(tmp_path / "b", server.port, f"  security: {security}\n  ca_file: {certificate[0]}\n")
    result = ws.cli("send")
    assert result.exit_code == 0, result.output
    (got,) = server.handler.messages
    assert got.message["To"] == "ada@example.org"


def test_a_certificate_for_another_name_says_to_check_the_host(
    tmp_path, tls_server, certificate, monkeypatch
):
    server = tls_server("starttls")
    ws = workspace(tmp_path / "a", server.port, f"  security: starttls\n  ca_file: {certificate[0]}\n")
    ws.config_path.write_text(ws.config_path.read_text().replace("host: 127.0.0.1", "host: localhost"))
    result = ws.cli("send")
    assert result.exit_code == 1
    assert "the server's certificate is not for localhost" in result.output
    assert "check smtp.host" in result.output


def test_a_ca_file_that_is_not_there_or_holds_no_certificate_is_a_config_error(tmp_path):
    ws = workspace(tmp_path / "a", 25, "  security: starttls\n  ca_file: ca.pem\n")
    result = ws.cli("send")
    assert result.exit_code == 1
    assert f"line 10: smtp.ca_file: {ws.root / 'ca.pem'} is not there" in result.output
    (ws.root / "ca.pem").mkdir()
    result = ws.cli("send")
    assert f"line 10: smtp.ca_file: {ws.root / 'ca.pem'} is not a file" in result.output
    (ws.root / "ca.pem").rmdir()
    (ws.root / "ca.pem").write_text("not a certificate\n")
    result = ws.cli("send")
    assert f"line 10: smtp.ca_file: {ws.root / 'ca.pem'} holds no certificate (PEM)" in result.output


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_a_ca_file_spoilt_after_the_config_was_read_is_said_as_the_ca_file(
    security, tmp_path, tls_server, certificate, monkeypatch
):
    """A daemon reads config.yaml again only when it changes, and the ca_file at each connection:
    one gone or spoilt meanwhile is not a wrong host, port or security."""
    from digest.deliver.transports import SmtpSender
    from digest.errors import DeliveryError

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    server = tls_server(security)
    ca = tmp_path / "a" / "ca.pem"
    ca.parent.mkdir()
    ca.write_bytes(certificate[0].read_bytes())
    ws = workspace(tmp_path / "a", server.port, f"  security: {security}\n  ca_file: ca.pem\n")
    sender = SmtpSender(ws.config.smtp)
    ca.write_text("not a certificate\n")
    with pytest.raises(DeliveryError) as spoilt:
        sender.connect()
    ca.unlink()
    with pytest.raises(DeliveryError) as gone:
        sender.connect()
    ca.mkdir()
    with pytest.raises(DeliveryError) as folder:
        sender.connect()
    ca.rmdir()
    # the words of the config check (test_a_ca_file_that_is_not_there...), and when
    assert f"smtp.ca_file: {ca} holds no certificate (PEM) (since the config was read)" in str(spoilt.value)
    assert f"smtp.ca_file: {ca} is not there (since the config was read)" in str(gone.value)
    assert f"smtp.ca_file: {ca} is not a file (since the config was read)" in str(folder.value)
    for error in (spoilt.value, gone.value, folder.value):
        assert "check smtp.host, smtp.port and smtp.security" not in str(error)
    ca.write_bytes(certificate[0].read_bytes())
    sender.connect()
    sender.close()
