"""The login methods a server offers that we cannot use: said with ours, and what to do."""

from __future__ import annotations

import smtplib

OUR_METHODS = ("CRAM-MD5", "PLAIN", "LOGIN")  # the login methods smtplib's SMTP.login tries, in its order


def case_blind(conn: smtplib.SMTP) -> str:
    """The login methods ``conn``'s server offers (its EHLO's AUTH), put in upper case: smtplib's
    SMTP.login picks among them by exact case ("PLAIN" in the list), so a server that offers
    "AUTH plain login" would be said to offer none of ours; SASL's names are upper case (RFC 4422),
    SMTP's keywords case-blind (RFC 5321), and SMTP.auth says the one chosen in upper case anyway.
    Returns them as the server said them ('' if it offers none), for the words quoting them."""
    offered = conn.esmtp_features.get("auth", "")
    if offered:
        conn.esmtp_features["auth"] = offered.upper()
    return offered


def other_methods(said: str, conn: smtplib.SMTP, tls: bool) -> str:
    """The login methods a server offers (``said``: its AUTH's, as it said them), quoted with ours,
    if it offers some and none of ours (:data:`OUR_METHODS`); else ''. Then what to do, as the
    session was in TLS (``tls``) or not: without TLS, its STARTTLS (only if it offers one: else that
    setting would be refused too)."""
    offered = said.split()
    ours = OUR_METHODS
    if not offered or {method.upper() for method in offered} & set(ours):
        return ""
    return (
        f"it offers {' '.join(offered)}, we log in with {', '.join(ours[:-1])} or {ours[-1]}; "
        + what_to_do(conn, tls, "one of ours", "PLAIN and LOGIN")
    )


def what_to_do(conn: smtplib.SMTP, tls: bool, wanted: str, over_tls: str) -> str:
    """What to do of a server that offers no login we can use (``wanted``: "one of ours", "a
    login"), as the session was in TLS (``tls``) or not: without TLS, its STARTTLS, which may bring
    ``over_tls`` ("PLAIN and LOGIN"), only if it offers one: else that setting would be refused too."""
    other = (
        f"use a server (or port) that offers {wanted}, or leave out smtp.username for a server that "
        "takes mail without a login"
    )
    if tls:
        return other
    if conn.has_extn("starttls"):
        return (
            f"many servers offer {over_tls} only over TLS: set smtp.security: starttls (or ssl for port 465)"
        )
    return f"it offers no STARTTLS either: {other}"  # smtp.security: starttls: "offers no STARTTLS"
