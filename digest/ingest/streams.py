"""The streams under :mod:`digest.ingest.deadline`: a TCP connection made and a TLS session
shaken hands in steps the deadline can end, where the standard library's blocking calls
(``socket.create_connection``, ``SSLContext.wrap_socket``) would wait out their timeout whole.

* :func:`connect` looks the name up and connects without blocking, waiting for each in
  ``wait``'s steps (a second at a time while a stop may come): a resolver or a SYN never
  answered no longer holds a stop.
* :class:`Tls` runs TLS over any stream of ours through memory buffers (``SSLContext.wrap_bio``):
  every byte of the handshake is read by that stream's reads, which look at the stop and the
  deadline; over a TLS stream it is TLS in TLS (an ``https://`` proxy). A connection that ends
  without the server's close_notify is a read error, not an end: an answer that ends with the
  connection (no Content-Length, no chunks) would be taken whole, cut short. An answer of known
  length is read to its length and never reads the end, so a server that closes without
  close_notify after it (many do) is not refused.

Errors are httpcore's (``ConnectError``, ``ReadTimeout``, ...), as its own network raises them.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import selectors
import socket
import ssl
import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import httpcore

T = TypeVar("T")
CHUNK = 65536
LOOKUP_THREAD = "digest-lookup"  # the thread a name is looked up in
RAGGED = "the server ended the connection without TLS's close_notify: the answer may be cut short"
_PENDING = {errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN, errno.EALREADY}


def connect(
    host: str,
    port: int,
    wait: Callable[[Callable[[float | None], T], type[Exception]], T],
    local_address: str | None = None,
    socket_options: Iterable[Any] | None = None,
) -> socket.socket:
    """A connected TCP socket to ``host``:``port`` (each address in turn, as ``create_connection``
    tries them); ``wait(step, timeout_error)`` runs ``step(seconds)`` until it returns, giving up
    as the deadline says. A name is looked up first, waited for in the same steps."""
    first: Exception | None = None
    unreachable = True  # so far, every address's network unreachable (ENETUNREACH: no route)
    for family, kind, proto, _, address in resolve(host, port, wait):
        sock = socket.socket(family, kind, proto)
        try:
            for option in socket_options or ():
                sock.setsockopt(*option)
            if local_address is not None:
                sock.bind((local_address, 0))
            sock.setblocking(False)
            code = sock.connect_ex(address)
            if code in _PENDING:
                wait(functools.partial(_writable, sock), httpcore.ConnectTimeout)
                code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                raise OSError(code, os.strerror(code))  # "[Errno 111] Connection refused", as before
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setblocking(True)
            return sock
        except (OSError, httpcore.ConnectTimeout) as e:  # the next address (IPv4 after IPv6), as
            sock.close()  # create_connection does
            first = first or e
            unreachable = unreachable and getattr(e, "errno", None) == errno.ENETUNREACH
        except BaseException:
            sock.close()
            raise
    if isinstance(first, httpcore.ConnectTimeout):
        raise first
    if first is not None and unreachable:
        raise Unreachable(str(first))
    raise httpcore.ConnectError(str(first or f"no address for {host}"))


class Unreachable(httpcore.ConnectError):
    """The network of every address of the host is unreachable from here (ENETUNREACH: no route,
    the machine offline); its own class, as :class:`LookupFailed` is (the pool drops the cause)."""


def resolve(
    host: str, port: int, wait: Callable[[Callable[[float | None], T], type[Exception]], T]
) -> list[tuple[Any, ...]]:
    """The addresses of ``host`` (``getaddrinfo``'s). An address needs no resolver; a name is
    looked up in a thread of its own, waited for in ``wait``'s steps: the C library's lookup
    cannot be interrupted, and a resolver that never answers holds it for its own timeout
    (5 s a try by default, and more with several nameservers), past a stop. Given up, the
    lookup is left to end on its own (see :class:`_Lookup`)."""
    try:
        return socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)
    except (OSError, UnicodeError):
        pass  # a name, not an address (or none IDNA can encode: the lookup says so)
    lookup = _Lookup(host, port)
    wait(lookup.wait, httpcore.ConnectTimeout)
    lookup.thread.join()  # its result set, it is ending: no thread left behind (a fork may follow)
    if lookup.error is not None:
        raise LookupFailed(lookup.error, host)
    return lookup.addresses


class LookupFailed(httpcore.ConnectError):
    """A name (``host``) that did not resolve, the resolver's error kept as ``lookup_error`` (for
    digest.lookups): httpcore's pool raises it again ``from None``, which drops its cause."""

    def __init__(self, error: OSError, host: str) -> None:
        super().__init__(str(error))
        self.lookup_error = error
        self.host = host


class _Lookup:
    """``getaddrinfo(host, port)`` in a daemon thread: a process that exits does not wait for
    it, and it holds nothing of ours (no socket, no lock; its host, port and its own result),
    so one given up harms nothing while it runs on."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.addresses: list[tuple[Any, ...]] = []
        self.error: OSError | None = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(host, port), name=LOOKUP_THREAD, daemon=True)
        self.thread.start()

    def _run(self, host: str, port: int) -> None:
        try:
            self.addresses = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
        except OSError as e:
            self.error = e
        except UnicodeError as e:  # a name IDNA cannot encode: socket.getaddrinfo's own error
            self.error = OSError(str(e))
        finally:
            self.done.set()

    def wait(self, seconds: float | None) -> None:
        """Once the lookup is done; ConnectTimeout after ``seconds``."""
        if not self.done.wait(seconds):
            raise httpcore.ConnectTimeout(f"the name lookup of {self.host} timed out")


def _writable(sock: socket.socket, seconds: float | None) -> None:
    """Once the connect under way has ended (connected or refused); ConnectTimeout after ``seconds``."""
    if not _ready(sock, selectors.EVENT_WRITE, seconds):
        raise httpcore.ConnectTimeout("timed out")


def _ready(sock: socket.socket, event: int, seconds: float | None) -> bool:
    """Whether ``sock`` is ready for ``event`` within ``seconds`` (an error counts as ready). By
    the platform's selector (epoll, poll): ``select()`` refuses a descriptor past 1023, which a
    daemon holding many files would give every new socket."""
    with selectors.DefaultSelector() as selector:
        selector.register(sock, event)
        return bool(selector.select(seconds))


class Plain(httpcore.NetworkStream):
    """A connected socket as httpcore's stream: reads and writes within the timeout given."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            self.sock.settimeout(timeout)
            return self.sock.recv(max_bytes)
        except TimeoutError:
            raise httpcore.ReadTimeout("timed out") from None
        except OSError as e:
            raise httpcore.ReadError(str(e)) from None

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            self.sock.settimeout(timeout)
            self.sock.sendall(buffer)
        except TimeoutError:
            raise httpcore.WriteTimeout("timed out") from None
        except OSError as e:
            raise httpcore.WriteError(str(e)) from None

    def close(self) -> None:
        self.sock.close()

    def get_extra_info(self, info: str) -> Any:
        if info == "socket":
            return self.sock
        if info in ("client_addr", "server_addr"):
            try:
                return self.sock.getsockname() if info == "client_addr" else self.sock.getpeername()
            except OSError:
                return None
        if (
            info == "is_readable"
        ):  # an idle kept-alive connection with something to read: closed by the server
            try:
                return self.sock.fileno() < 0 or _ready(self.sock, selectors.EVENT_READ, 0)
            except (OSError, ValueError):
                return True
        return None


class Tls(httpcore.NetworkStream):
    """TLS over ``raw`` (a stream of ours), its records read and written by ``raw``'s reads and
    writes: the handshake ends when they do (a stop, the deadline), not after a timeout of its own."""

    def __init__(
        self,
        raw: httpcore.NetworkStream,
        context: ssl.SSLContext,
        hostname: str | None,
        timeout: float | None,
    ) -> None:
        self.raw, self.incoming, self.outgoing = raw, ssl.MemoryBIO(), ssl.MemoryBIO()
        self.unread = b""  # what the idle check took out of the TLS object (its server's, off turn)
        try:
            self.tls = context.wrap_bio(self.incoming, self.outgoing, server_hostname=hostname)
            self._run(self.tls.do_handshake, timeout)
        except BaseException as e:  # no connection to keep: closed, as httpcore's own TLS does
            if isinstance(e, ssl.SSLError):  # the alert saying why (a certificate refused) sent first,
                with contextlib.suppress(Exception):  # as httpcore's TLS sends it
                    self._flush(timeout)
            raw.close()
            if isinstance(e, (httpcore.ReadTimeout, httpcore.WriteTimeout)):
                raise httpcore.ConnectTimeout(str(e)) from None
            if isinstance(e, (httpcore.ReadError, httpcore.WriteError, ssl.SSLError)):
                raise httpcore.ConnectError(str(e)) from None
            raise

    def _run(self, step: Callable[[], T], timeout: float | None) -> T:
        """``step`` on the TLS object, feeding it what ``raw`` reads for as long as it wants more."""
        while True:
            try:
                result = step()
            except ssl.SSLWantReadError:
                self._flush(timeout)
                data = self.raw.read(CHUNK, timeout)
                if data:
                    self.incoming.write(data)
                else:
                    self.incoming.write_eof()
                continue
            self._flush(timeout)
            return result

    def _flush(self, timeout: float | None) -> None:
        data = self.outgoing.read()
        if data:
            self.raw.write(data, timeout)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        if self.unread:
            data, self.unread = self.unread[:max_bytes], self.unread[max_bytes:]
            return data
        try:
            return self._run(lambda: self.tls.read(max_bytes), timeout)
        except ssl.SSLZeroReturnError:
            return b""  # closed by the server's close_notify: an answer cut short is httpcore's to name
        except ssl.SSLEOFError:  # the connection ended without close_notify: a truncation (RFC 8446,
            raise httpcore.ReadError(RAGGED) from None  # 6.1) that an answer ended by the close hides
        except ssl.SSLError as e:
            raise httpcore.ReadError(str(e)) from None

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        view = memoryview(buffer)
        try:
            while view:
                done = self._run(functools.partial(self.tls.write, view), timeout)
                view = view[done:]
        except ssl.SSLError as e:
            raise httpcore.WriteError(str(e)) from None

    def close(self) -> None:
        self.raw.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return Tls(self, ssl_context, server_hostname, timeout)

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object":
            return self.tls
        if info == "is_readable":
            return self._readable()
        return self.raw.get_extra_info(info)

    def _readable(self) -> bool:
        """Whether an idle connection has something to read (its server closed it): the records
        ``raw`` has read already count, not only what waits in the socket. A close_notify that
        came in with the last answer's end is in our buffer; unseen there, the next request would
        go out on a closed connection ("Server disconnected without sending a response"). A
        session ticket among them is taken in and is nothing to read."""
        if self.unread or self.tls.pending():
            return True
        if self.incoming.pending:
            try:
                self.unread = self.tls.read(CHUNK)  # kept for read(): under TLS in TLS it is the inner's
            except ssl.SSLWantReadError:
                pass  # records of the session only
            except ssl.SSLError:  # the close_notify, or a record that is not one
                return True
            else:
                return True
        return bool(self.raw.get_extra_info("is_readable"))
