"""Serving under the path of ``base_url`` (``https://example.org/digest``), behind a reverse proxy.

The emails' links carry the path, and the pages' own links (forms, redirects, scripts) are
written under it (Flask's ``request.script_root``). The proxy may pass the path on as it is
(nginx ``proxy_pass http://127.0.0.1:8025;``) or strip it (``proxy_pass
http://127.0.0.1:8025/;``): :class:`PathPrefix` takes a request either way, so the one
config works behind both, and on loopback without a proxy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def url_path(base_url: str | None) -> str:
    """The path of ``base_url`` without its trailing slash ('' for none): ``/digest``."""
    if not base_url:
        return ""
    return unquote(urlsplit(base_url).path).rstrip("/")


class PathPrefix:
    """WSGI middleware: a request is answered as if the app were mounted at ``prefix``."""

    def __init__(self, app: WsgiApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == self.prefix or path.startswith(self.prefix + "/"):
            path = path[len(self.prefix) :]  # passed on as it is
        environ["PATH_INFO"] = path or "/"
        script = environ.get("SCRIPT_NAME", "").rstrip("/")
        if not script.endswith(self.prefix):  # a server mounted there already says so itself
            environ["SCRIPT_NAME"] = script + self.prefix
        return self.app(environ, start_response)
