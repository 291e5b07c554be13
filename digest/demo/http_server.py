"""A small HTTP server on loopback that serves fixed documents: for `digest demo` and the tests.

Each path answers with a :class:`Route` (or with the next of a list of them, the last one
repeating; or with what a function of the query makes of it: an API that pages): status,
body, headers, an optional delay, and an ETag that turns a matching ``If-None-Match`` into a
304. Every request is recorded (path and headers), and the bytes of the bodies sent (``sent``).
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a slow server)
    etag: str | None = None


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]


def one_page(*answers: Route) -> Callable[[dict[str, str]], Route]:
    """A paging API (``p`` from 0, as the daily papers API) whose day fits in its first page:
    ``answers`` in turn to the first page (the last one repeating), an empty array past it."""
    queue, lock = list(answers), threading.Lock()

    def answer(query: dict[str, str]) -> Route:
        if query.get("p", "0") != "0":
            return Route(b"[]")
        with lock:
            return queue.pop(0) if len(queue) > 1 else queue[0]

    return answer


class LocalHttpServer:
    """``with LocalHttpServer({"/feed": Route(b"...")}) as server: server.url("/feed")``"""

    def __init__(
        self,
        routes: dict[str, Route | list[Route] | Callable[[dict[str, str]], Route]],
        host: str = "127.0.0.1",
        tls: ssl.SSLContext | None = None,
    ) -> None:
        """``tls``: a server context (its certificate loaded) to serve HTTPS instead."""
        self.routes = {path: list(r) if isinstance(r, list) else [r] for path, r in routes.items()}
        self.pages = {path: r for path, r in routes.items() if callable(r)}
        self.requests: list[Request] = []
        self.sent = 0  # bytes of the bodies answered (a 304 has none)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, 0), self._handler())
        self._server.daemon_threads = True
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.scheme = "http" if tls is None else "https"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, path: str = "/") -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> LocalHttpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _next(self, path: str, query: str = "") -> Route | None:
        if path in self.pages:
            return self.pages[path](dict(parse_qsl(query)))
        with self._lock:
            queue = self.routes.get(path)
            if not queue:
                return None
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                path, query = urlsplit(self.path).path, urlsplit(self.path).query
                server.requests.append(Request(self.path, dict(self.headers.items())))
                route = server._next(path, query)
                if route is None:
                    route = Route(b"not found", status=404, content_type="text/plain")
                if route.delay:
                    time.sleep(route.delay)
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.end_headers()
                    return
                try:
                    self.send_response(route.status)
                    self.send_header("Content-Type", route.content_type)
                    self.send_header("Content-Length", str(len(route.body)))
                    if route.etag:
                        self.send_header("ETag", route.etag)
                    for name, value in route.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(route.body)
                    with server._lock:
                        server.sent += len(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        return Handler
