"""An httpx transport whose every read and write ends by one deadline for the whole answer.

httpx's timeouts are per read: a server that sends its status line, headers or body a byte
at a time never times out a read, and a fetch would wait for hours (the daemon with it). The
network under the transport (an httpcore backend) gives each read and write at most the time
left until ``deadline.at``; past it, :class:`Late` is raised. Built from httpcore's public
API: a connection pool with our network backend, its answers turned into httpx's.
"""

from __future__ import annotations

import contextlib
import math
import threading
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import httpcore
import httpx

from digest.ingest.streams import Plain, Tls, connect

T = TypeVar("T")


class Late(Exception):
    """The answer, headers or body, was not in by the deadline."""


class Stopped(Exception):
    """The daemon is stopping (its ``stop`` event is set): the answer is not waited for."""


SLICE = 1.0  # seconds: with a stop event, a read waits at most this long before looking at it


class Deadline(httpcore.NetworkBackend):
    """httpcore's network, each read and write given at most the time left until ``at``."""

    def __init__(self, clock: Callable[[], float], stop: threading.Event | None = None) -> None:
        self.inner, self.clock, self.at, self.stop = httpcore.SyncBackend(), clock, math.inf, stop

    def left(self, timeout: float | None) -> tuple[float | None, bool]:
        """(the timeout to use, whether it is the deadline's rather than ``timeout``)."""
        if self.stop is not None and self.stop.is_set():
            raise Stopped
        left = self.at - self.clock()
        if left <= 0:
            raise Late
        return (left, True) if timeout is None or left < timeout else (timeout, False)

    def within(self, step: Callable[[float | None], T], timeout: float | None, late: type[Exception]) -> T:
        """``step(seconds)`` until it returns: given the time left of ``timeout`` and of the
        deadline, a second at a time while a stop may come (looked at between the slices).
        ``step`` raises ``late`` when its seconds are out: past ``timeout``, it is raised; past
        the deadline, :class:`Late`."""
        while True:
            wait, capped = self.left(timeout)
            piece = wait if self.stop is None else min(SLICE, math.inf if wait is None else wait)
            try:
                return step(piece)
            except late:
                if wait is None or piece < wait:  # a slice: the stop looked at again, then on
                    timeout = None if timeout is None else timeout - piece
                    if timeout is None or timeout > 0:
                        continue
                    raise
                if capped:
                    raise Late from None
                raise

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        """The name lookup and the connect in slices too: a resolver or a SYN that is never
        answered (a host down, a full backlog) is given up at a stop, not after the whole timeout."""
        self.left(timeout)
        wait = lambda step, late: self.within(step, timeout, late)  # noqa: E731
        return _Stream(Plain(connect(host, port, wait, local_address, socket_options)), self)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, **kw: Any
    ) -> httpcore.NetworkStream:
        return _Stream(self.inner.connect_unix_socket(path, self.left(timeout)[0], **kw), self)

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline) -> None:
        self.inner, self.deadline = inner, deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.deadline.within(
            lambda step: self.inner.read(max_bytes, step), timeout, httpcore.ReadTimeout
        )

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, self.deadline.left(timeout)[0])

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        """TLS whose handshake reads are this stream's: a server that takes the connection
        and never answers the hello is given up at a stop or the deadline, as a read is."""
        self.deadline.left(timeout)
        return Tls(self, ssl_context, server_hostname, timeout)

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


@contextlib.contextmanager
def _as_httpx() -> Iterator[None]:
    """httpcore's errors as httpx's of the same name (ReadTimeout, ConnectError, ...; ours, as
    streams.LookupFailed, by the httpcore class they are)."""
    try:
        yield
    except httpcore.TimeoutException as e:
        raise getattr(httpx, _httpcore_name(e), httpx.TimeoutException)(str(e)) from e
    except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as e:
        raise getattr(httpx, _httpcore_name(e), httpx.TransportError)(str(e)) from e
    except httpcore.ProxyError as e:  # the proxy refused the tunnel (407, 403): as httpx says it
        raise httpx.ProxyError(str(e)) from e


def _httpcore_name(error: Exception) -> str:
    return next(k.__name__ for k in type(error).__mro__ if k.__module__.startswith("httpcore"))


class _Body(httpx.SyncByteStream):
    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with _as_httpx():
            yield from self.stream

    def close(self) -> None:
        with _as_httpx():
            self.stream.close()


_REDIRECTS = (301, 302, 303, 307, 308)  # those httpx follows (its has_redirect_location)


class Transport(httpx.BaseTransport):
    """httpx's HTTP/1.1 transport over ``deadline``'s network, through the proxy the
    environment names for the scheme (``HTTPS_PROXY``, ``ALL_PROXY``, ``NO_PROXY``: as httpx
    would without a transport of ours; an HTTP proxy, not SOCKS)."""

    def __init__(self, deadline: Deadline) -> None:
        ssl = httpx.create_ssl_context()
        self.pool = httpcore.ConnectionPool(ssl_context=ssl, network_backend=deadline)
        self.proxies: dict[str, httpcore.ConnectionPool] = {}
        self.refused: dict[str, str] = {}  # scheme -> a proxy we cannot use (SOCKS): never direct
        found = urllib.request.getproxies()
        for scheme in ("http", "https"):
            proxy = found.get(scheme) or found.get("all", "")  # ALL_PROXY: either scheme's
            if proxy and "://" not in proxy:
                proxy = "http://" + proxy  # proxy.corp:3128, as httpx reads it
            if proxy and not proxy.startswith(("http://", "https://")):
                self.refused[scheme] = proxy.split("://")[0]
            elif proxy:
                at = httpx.URL(proxy)
                auth = (at.username, at.password) if at.username else None
                self.proxies[scheme] = httpcore.HTTPProxy(
                    str(at.copy_with(username=None, password=None)),
                    proxy_auth=auth,
                    ssl_context=ssl,
                    network_backend=deadline,
                )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme in self.refused and not urllib.request.proxy_bypass(url.host):
            raise httpx.ProxyError(  # going direct instead would bypass a proxy set on purpose
                f"the environment names a {self.refused[url.scheme]} proxy for {url.scheme}; "
                "only HTTP proxies are supported (set HTTPS_PROXY / HTTP_PROXY to an http:// one)"
            )
        pool = self.proxies.get(url.scheme, self.pool)
        if pool is not self.pool and urllib.request.proxy_bypass(url.host):
            pool = self.pool
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _as_httpx():
            answer = pool.handle_request(core)
        if answer.status in _REDIRECTS and any(k.lower() == b"location" for k, _ in answer.headers):
            with _as_httpx():  # httpx reads a redirect's body whole, unpacked and unlimited: unread
                answer.stream.close()
            unsent = (b"content-encoding", b"content-length", b"transfer-encoding")
            headers = [(k, v) for k, v in answer.headers if k.lower() not in unsent]
            return httpx.Response(answer.status, headers=headers, extensions=answer.extensions)
        return httpx.Response(
            answer.status, headers=answer.headers, stream=_Body(answer.stream), extensions=answer.extensions
        )

    def close(self) -> None:
        for pool in (self.pool, *self.proxies.values()):
            pool.close()
