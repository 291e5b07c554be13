"""Handing a message's bytes to a server (SMTP); to a folder instead (.eml files): file_transport.py."""

from __future__ import annotations

import contextlib
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr

from digest.checks import is_bare_email
from digest.config import SmtpConfig
from digest.deliver.certificates import greeted, smtp_server, tls_context, tls_refused
from digest.deliver.data_lost import DATA_COMMAND, DATA_CUT, cut_unheard, during, unconfirmed, unheard
from digest.deliver.data_sent import WITHDRAWN, DataCut, _Gate, _Withdrawn, ask_data, send_data
from digest.deliver.login_methods import case_blind, other_methods, what_to_do
from digest.deliver.oversize import over_size, refused_as_too_big
from digest.deliver.replies import (
    ACCOUNT_DISABLED,
    ACCOUNT_OFF,
    ANSWERED_CONNECTION,
    CANNOT_CONNECT,
    LOGIN_FAILED,
    LOGIN_REFUSED,
    NO_LOGIN,
    NO_METHOD,
    NO_STARTTLS,
    SILENT_AT_LOGIN,
    TRIED_LATER,
    SendResult,
    enhanced,
    refusal,
    reply_text,
)
from digest.errors import DeliveryError
from digest.lookups import unresolved


@dataclass(frozen=True)
class Envelope:
    """What a sender needs: the exact bytes and who they go to."""

    message_id: str
    user: str
    sender: str  # the From header's address (envelope sender)
    recipient: str
    data: bytes
    papers: int = 0  # how many papers the digest holds (0: not said)


class Refused(DeliveryError):
    """The server refuses us, not a reader (our login, our sender address, relaying): no message
    can go until the configuration (ours, or the server's) is fixed."""


class LoginRefused(Refused):
    """The server refused the login (535): a configuration problem, not a passing one."""


class _Stale(Exception):
    """A reused connection turned out closed before this message's transaction began."""


class SmtpSender:
    """One SMTP connection reused for many messages, one message (one recipient) at a time.

    The connection opens on the first message. A reused connection found closed before the
    message's transaction starts is reopened once at once (nothing of the message was sent).
    Any passing failure (4xx, hang-up, timeout) closes the connection, so the next message,
    and the retry, start on a fresh one. A 5xx refusal resets the session and keeps it.
    """

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self.conn: smtplib.SMTP | None = None
        self.reverse_paths: dict[str, str] = {}  # From header -> its MAIL FROM path, parsed once

    def __enter__(self) -> SmtpSender:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connect(self) -> None:
        c = self.config
        context = None if c.security == "none" else tls_context(c)  # before a connection is open
        heard = False  # its greeting: a silence or a hang-up after it is said so
        try:
            if c.security == "ssl":  # its TLS taken and its greeting read, or raises
                conn: smtplib.SMTP = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=context)
                heard = True
            else:
                conn = greeted(c)  # its greeting: one that never comes is said as a port-465 server
                heard = True
                if context is not None:
                    self._starttls(conn, context)
            conn.ehlo_or_helo_if_needed()  # before the login, whose own would be said as the login's
            password = c.password()
            if c.username and password is not None:
                self._login(conn, c.username, password)
        except DeliveryError:
            raise
        except (OSError, smtplib.SMTPException) as e:
            server = smtp_server(c)
            if said := tls_refused(c, e):  # a certificate refused, or no TLS where ssl wants it
                raise DeliveryError(f"{CANNOT_CONNECT}{server}: {said}") from None
            if heard and isinstance(e, smtplib.SMTPServerDisconnected | TimeoutError | ConnectionError):
                raise stopped(server, e, "before any mail") from None  # at EHLO, STARTTLS: refused nothing
            if isinstance(e, smtplib.SMTPConnectError):  # it answered: busy, or refusing us
                raise DeliveryError(
                    f"{server} {ANSWERED_CONNECTION} {_why(e)}; {_greeting(e.smtp_code)}"
                ) from None
            name = unresolved(e, c.host)
            check = "smtp.host" if name else "smtp.host, smtp.port and smtp.security"
            raise DeliveryError(
                f"{CANNOT_CONNECT}{server}: {name or _why(e)}; check {check} in the config"
            ) from None
        with contextlib.suppress(OSError):  # the end of a message's data goes at once (see send)
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn = conn

    def _starttls(self, conn: smtplib.SMTP, context: ssl.SSLContext) -> None:
        """TLS on ``conn``; a server that offers none (one on this machine: config.example.yaml
        says starttls) is said with the setting that fits it, not smtplib's words alone."""
        c = self.config
        try:
            conn.starttls(context=context)
        except smtplib.SMTPNotSupportedError:
            conn.close()
            raise DeliveryError(
                f"the SMTP server {c.host}:{c.port} {NO_STARTTLS} (smtp.security: starttls): for a "
                "server without TLS (one on this machine, or a relay on a trusted network), set "
                "smtp.security: none; else check smtp.host and smtp.port"
            ) from None

    def _login(self, conn: smtplib.SMTP, username: str, password: str) -> None:
        """Log in on ``conn``: a refusal (535, any 5xx) is LoginRefused (not tried again with the
        same password), a 4xx a failure that passes; a server that offers no login, only methods we
        lack (GSSAPI, NTLM), or fails it otherwise, is said as such; one that falls silent or hangs
        up after our AUTH line refused nothing: said so, tried again later (no setting to check)."""
        c = self.config
        server = smtp_server(c)
        said = case_blind(conn)  # "AUTH plain login": ours too

        def no_login(why: str) -> DeliveryError:  # no AUTH, or one naming no method
            advice = what_to_do(conn, c.security != "none", "a login", "a login")
            return DeliveryError(f"{server} {NO_LOGIN} to log in as {username!r}: {why}{advice}")

        try:
            conn.login(username, password)
        except smtplib.SMTPAuthenticationError as e:
            if 400 <= e.smtp_code < 500:  # 454: cannot check it now (its password store is away)
                conn.close()
                raise DeliveryError(
                    f"{server} took the connection but could not check the login as {username!r} now: "
                    f"{_why(e)}{TRIED_LATER}"
                ) from None
            conn.close()
            if enhanced(_why(e)) == ACCOUNT_DISABLED:  # the password was right (RFC 5248)
                raise LoginRefused(
                    f"the SMTP server {c.host}:{c.port} took the login as {username!r} {ACCOUNT_OFF}: "
                    f"{_why(e)}; its administrator (the mail provider) has to enable it again"
                ) from None
            raise LoginRefused(
                f"{LOGIN_REFUSED} {c.host}:{c.port}: {_why(e)}; "
                f"check smtp.username ({username!r}) and the password in ${c.password_env}"
            ) from None
        except smtplib.SMTPNotSupportedError:
            conn.close()
            raise no_login("") from None
        except (OSError, smtplib.SMTPException) as e:  # (an SMTPException is an OSError)
            conn.close()
            if isinstance(e, smtplib.SMTPException) and not isinstance(e, smtplib.SMTPServerDisconnected):
                if not said.split():  # "250-AUTH" naming no method
                    raise no_login("its AUTH names no method; ") from None
                if offered := other_methods(said, conn, c.security != "none"):
                    raise DeliveryError(
                        f"{server} {NO_METHOD} to log in as {username!r}: {offered}"
                    ) from None
                raise DeliveryError(  # failed otherwise
                    f"{server} {LOGIN_FAILED} as {username!r}: {_why(e)}; "
                    f"check smtp.username and the password in ${c.password_env}"
                ) from None
            raise stopped(server, e, f"at the login as {username!r}") from None  # silent or cut: not refused

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (OSError, smtplib.SMTPException):
                self.conn.close()
            self.conn = None

    def drop(self) -> None:
        """Forget the connection without the courtesy of QUIT (it failed, or the server is gone)."""
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None

    def send(self, mail: Envelope, ready: Callable[[], bool] | None = None) -> SendResult:
        """Send ``mail``. ``ready``, if given, is called once the message's data is with the
        server but for its end, the last moment before the server can accept it: the caller's
        work meanwhile (storing the message) overlaps the server's. If it returns False, or
        raises, the transaction is abandoned (the connection closed before the end of the
        data: the server delivers nothing) and :data:`WITHDRAWN` is returned, or the error
        raised. A transaction that fails before then never calls it."""
        for _ in (1, 2):
            reused = self.conn is not None
            if not reused:
                try:
                    self.connect()
                except LoginRefused as e:
                    return SendResult(False, str(e), unreachable=True, login_refused=True)
                except DeliveryError as e:
                    return SendResult(False, str(e), unreachable=True)
            try:
                return self._transaction(mail, reused, ready)
            except _Stale:
                self.drop()
        return SendResult(False, "the server hung up twice before the message could be sent")

    def _transaction(self, mail: Envelope, reused: bool, ready: Callable[[], bool] | None) -> SendResult:
        conn = self.conn
        assert conn is not None
        stage = said = "MAIL"  # where it is (a refusal's stage), and where said in a failure's words
        gate = None if ready is None else _Gate(ready)
        if too_large := over_size(
            conn, mail.data, mail.papers
        ):  # RFC 1870: not sent, the server would refuse it
            return too_large
        try:
            reverse = self.reverse_paths.get(mail.sender)
            if reverse is None:
                reverse = self.reverse_paths[mail.sender] = smtplib.quoteaddr(parseaddr(mail.sender)[1])
            conn.putcmd("mail", f"FROM:{reverse}")  # conn.mail(...) without options
            code, text = conn.getreply()
            if code == 250:
                stage = said = "RCPT"
                conn.putcmd("rcpt", f"TO:{forward_path(mail.recipient)}")  # conn.rcpt(...)
                code, text = conn.getreply()
            if code in (250, 251):
                stage, said = "DATA", DATA_COMMAND  # a hang-up before its 354: the server has none of it
                ask_data(conn)
                said = stage
                code, text = send_data(conn, mail.data, gate)
        except _Withdrawn as e:
            self.drop()  # before the end of the data: the server drops the message
            if e.__cause__ is not None:
                raise e.__cause__ from None
            return WITHDRAWN
        except DataCut as e:  # before its end: nothing delivered, said as a hang-up before the data
            self.drop()
            if isinstance(e.error, TimeoutError):
                return SendResult(False, f"the server timed out{during(DATA_CUT)}", timed_out=True)
            return SendResult(False, f"the server hung up{during(DATA_CUT, _why(e.error))}")
        except smtplib.SMTPServerDisconnected as e:
            if reused and stage == "MAIL":
                raise _Stale from e
            self.drop()
            if isinstance(e.__context__, TimeoutError):  # smtplib reports a timeout as a hang-up
                if said == "DATA":  # after the data's end: it may have the message
                    return SendResult(False, unheard(self.config.timeout), timed_out=True)
                return SendResult(False, f"the server timed out{during(said)}", timed_out=True)
            if said == "DATA":  # after the data's end, before its answer: it may have the message
                return SendResult(False, cut_unheard(_why(e)))
            return SendResult(False, f"the server hung up{during(said, _why(e))}")
        except smtplib.SMTPResponseException as e:  # DATA refused before the message was sent
            code, text = e.smtp_code, e.smtp_error
        except (OSError, smtplib.SMTPException) as e:
            self.drop()
            return SendResult(False, f"{_why(e)}{during(said)}", timed_out=isinstance(e, TimeoutError))
        except KeyboardInterrupt:  # a second Ctrl-C or SIGTERM: quit at once. Not with QUIT, whose
            self.drop()  # answer comes only after the one this transaction waited for (close())
            raise
        if code == 250:
            return SendResult(True, f"{code} {reply_text(text)}".strip())
        if said == "DATA" and code < 400:  # the data's end answered "221 bye": not accepted, maybe taken
            self.drop()
            return SendResult(False, unconfirmed(f"{code} {reply_text(text)}".strip()))
        result = refusal(self.config, mail.sender, stage, code, text)
        if stage == "DATA":  # 552 5.3.4 from a server whose SIZE said no limit: said with what fits
            result = refused_as_too_big(result, mail.data, mail.papers)
        if result.permanent:
            try:
                conn.rset()
            except (OSError, smtplib.SMTPException):
                self.drop()
        else:
            self.drop()
        return result


def stopped(server: str, e: BaseException, where: str) -> DeliveryError:
    """A server that greeted us, then fell silent (smtp.timeout) or hung up ``where`` ("at the login
    as 'ada'", "before any mail"): it refused nothing, no setting to check; tried again later."""
    timeout = isinstance(e, TimeoutError) or isinstance(e.__context__, TimeoutError)  # smtplib: a hang-up
    return DeliveryError(
        f"{server} {SILENT_AT_LOGIN} {'timed out' if timeout else 'hung up'} {where}{TRIED_LATER}"
    )


def _greeting(code: int) -> str:
    """What a server's answer to our connection other than 220 means: a 4xx (RFC 5321's 421: busy,
    or taking no connections for now) passes; a 5xx (554: no service for us) is a refusal of us,
    which a server other than the one meant (smtp.host, smtp.port) may give too."""
    if code < 500:
        return f"it is busy, or takes no connections for now{TRIED_LATER}"
    return (
        "it takes no mail from us (if it is not the mail server you meant, check smtp.host and "
        f"smtp.port){TRIED_LATER}"
    )


def forward_path(address: str) -> str:
    """The ``<address>`` of RCPT TO, as smtplib's ``rcpt`` makes it (``smtplib.quoteaddr``),
    without parsing a bare address again: a profile's address is one (digest.checks.Email),
    and the parse costs about 20 us, a part of every message's turn between two replies."""
    return f"<{address}>" if is_bare_email(address) else smtplib.quoteaddr(address)


def _why(e: BaseException) -> str:
    if isinstance(e, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(e, smtplib.SMTPResponseException):
        return f"{e.smtp_code} {reply_text(e.smtp_error)}"
    return str(e) or type(e).__name__
