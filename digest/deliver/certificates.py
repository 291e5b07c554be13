"""The TLS of the SMTP connection: the certificates trusted, and a refused one said with its setting."""

from __future__ import annotations

import smtplib
import ssl

from digest.ca_file import load_ca_file
from digest.config import SmtpConfig
from digest.deliver.replies import CA_FILE_SPOILT, CERTIFICATE_REFUSED, IN_THE_CLEAR, NO_GREETING, TRIED_LATER
from digest.errors import DeliveryError


def tls_context(c: SmtpConfig) -> ssl.SSLContext:
    """The system's trusted certificates, and smtp.ca_file's besides (a self-signed server's).
    The file is read at each connection: one gone or spoilt since the config was read (a daemon
    reads it again only when config.yaml changes) is said as smtp.ca_file, not as the server."""
    context = ssl.create_default_context()
    if c.ca_file is not None and (why := load_ca_file(context, c.ca_file)):
        raise DeliveryError(
            f"{CA_FILE_SPOILT}{c.ca_file} {why} (since the config was read); put the server's certificate "
            f"back there, or change smtp.ca_file{TRIED_LATER}"
        )
    return context


def smtp_server(c: SmtpConfig) -> str:
    """ "the SMTP server host:port (security)" as a failure names it: ``smtp.security: none`` as
    "no TLS", where "(none)" read as no security said at all (starttls and ssl name themselves)."""
    security = "no TLS" if c.security == "none" else c.security
    return f"the SMTP server {c.host}:{c.port} ({security})"


def greeted(c: SmtpConfig) -> smtplib.SMTP:
    """A connection without TLS (yet) and its server's greeting. A server that takes it and says
    nothing in smtp.timeout is most likely one that waits for TLS from the start (port 465):
    said so, not as a timeout to mend with smtp.host, smtp.port or smtp.security alike."""
    try:
        return smtplib.SMTP(c.host, c.port, timeout=c.timeout)
    except smtplib.SMTPServerDisconnected as e:
        if not isinstance(e.__context__, TimeoutError):  # smtplib says a timeout as a hang-up
            raise
    raise DeliveryError(
        f"{smtp_server(c)} {NO_GREETING} "
        f"(smtp.timeout: {c.timeout:g} s): a server that takes TLS from the start (port 465) "
        "waits for it before it greets: set smtp.security: ssl for such a port; else check smtp.host "
        "and smtp.port"
    )


def tls_refused(c: SmtpConfig, e: BaseException) -> str:
    """What to say of a connection whose TLS failed so that a setting mends it, else ''."""
    if isinstance(e, ssl.SSLCertVerificationError):
        return untrusted(c, e)
    if isinstance(e, ssl.SSLError) and e.reason == "WRONG_VERSION_NUMBER" and c.security == "ssl":
        return (  # its greeting ("220 ...") read as a TLS record
            f"{IN_THE_CLEAR}: a server that takes TLS after STARTTLS "
            "(port 587, or 25) wants smtp.security: starttls; TLS from the start (ssl) is port 465"
        )
    return ""


def untrusted(c: SmtpConfig, e: ssl.SSLCertVerificationError) -> str:
    """A certificate refused, said with the setting that fits: smtp.host for one made out to
    another name, else smtp.ca_file (OpenSSL's reason in brackets: "self-signed certificate")."""
    if e.verify_code in (62, 64):  # X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH
        return (
            f"{CERTIFICATE_REFUSED} for {c.host} ({e.verify_message}); check smtp.host: "
            "write the name the server's certificate is made out to"
        )
    trusted = (
        f"the certificate of smtp.ca_file ({c.ca_file}) does not vouch for it either; " if c.ca_file else ""
    )
    return (
        f"{CERTIFICATE_REFUSED} trusted ({e.verify_message}); {trusted}if it is your own "
        "server's, set smtp.ca_file to the certificate of the server (or of its CA), PEM"
    )
