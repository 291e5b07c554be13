"""Serving under the path of ``base_url`` (``https://example.org/digest``), behind a reverse proxy.

The emails' links carry the path, and the pages' own links (forms, redirects, scripts) are
written under it (Flask's ``request.script_root``). The proxy may pass the path on as it is
(nginx ``proxy_pass http://127.0.0.1:8025;``) or strip it (``proxy_pass
http://127.0.0.1:8025/;``): a request is taken either way, so the one
config works behind both, and on loopback without a proxy (:func:`mount`, called for each
request by :class:`digest.web.site.LiveSite`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def url_path(base_url: str | None, quoted: bool = False) -> str:
    """The path of ``base_url`` without its trailing slash ('' for none): ``/digest``; decoded
    (``/dïgest``), or as written in base_url (``quoted``: ``/d%C3%AFgest``, for a link)."""
    if not base_url:
        return ""
    path = urlsplit(base_url).path
    return path.rstrip("/") if quoted else unquote(path).rstrip("/")


def mount(environ: dict[str, Any], prefix: str) -> None:
    """Answer the request as if the app were mounted at ``prefix``: the path passed on as it
    is, or stripped by the proxy; the pages' links are written under it either way."""
    if not prefix:
        return
    prefix = prefix.encode("utf-8").decode("latin-1")  # as the server gives paths (PEP 3333): /d%C3%AFgest
    path = environ.get("PATH_INFO", "")
    if path == prefix or path.startswith(prefix + "/"):
        path = path[len(prefix) :]  # passed on as it is
    environ["PATH_INFO"] = path or "/"
    script = environ.get("SCRIPT_NAME", "").rstrip("/")
    if not script.endswith(prefix):  # a server mounted there already says so itself
        environ["SCRIPT_NAME"] = script + prefix
