"""`digest serve` behind a reverse proxy at a path (base_url: http://127.0.0.1:<port>/digest), in
a real browser: every link of the email and of the pages (forms, redirects, scripts, the
preview) stays under the path. The proxy either passes the path on or strips it (nginx's
``proxy_pass http://app;`` and ``proxy_pass http://app/;``): both work with the one config."""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml
from helpers.sent_digest import send_everything

from digest.demo.smtp_server import free_port

PREFIX = "/digest"
HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}


@contextmanager
def reverse_proxy(port: int, upstream: int, strip: bool, prefix: str = PREFIX) -> Iterator[list[str]]:
    """A loopback reverse proxy: prefix/... to the app (the path kept, or stripped), the rest 404.
    Yields the paths asked of it."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def forward(self) -> None:
            asked.append(self.path)
            if not (self.path == prefix or self.path.startswith(prefix + "/")):
                self.send_error(404, "not under the proxy's path")
                return
            path = self.path[len(prefix) :] or "/" if strip else self.path
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            upstream_conn = http.client.HTTPConnection("127.0.0.1", upstream, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
            upstream_conn.request(self.command, path, body=body or None, headers=headers)
            answer = upstream_conn.getresponse()
            data = answer.read()
            self.send_response(answer.status, answer.reason)
            for k, v in answer.getheaders():
                if k.lower() not in HOP | {"content-length", "server", "date"}:
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            upstream_conn.close()

        do_GET = do_POST = forward

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield asked
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def digest_serve(config_path, port: int, prefix: str = PREFIX) -> Iterator[None]:
    """The real `digest serve` (waitress), in its own process."""
    command = [sys.executable, "-m", "digest", "--config", str(config_path), "serve", "--port", str(port)]
    server = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ
    )
    try:
        line = server.stdout.readline()
        assert line.startswith("Serving on"), line + server.stderr.read()
        assert f":{port}{prefix} " in line
        yield
    finally:
        server.terminate()
        server.wait(10)


@pytest.mark.parametrize(
    ("strip", "prefix"),
    [(False, PREFIX), (True, PREFIX), (False, "/d%C3%AFgest"), (True, "/d%C3%AFgest")],
    ids=["path-passed-on", "path-stripped", "encoded-path-passed-on", "encoded-path-stripped"],
)
def test_every_link_of_the_email_and_the_pages_works_under_base_urls_path(
    web_workspace,
    smtp_server,
    browser,
    strip,
    prefix,
):
    """An encoded path (a non-ASCII /dïgest) too: the server gives its paths as Latin-1 (PEP 3333)."""
    proxy_port, app_port = free_port(), web_workspace.port
    public = f"http://127.0.0.1:{proxy_port}{prefix}"
    text = web_workspace.config_path.read_text()
    web_workspace.config_path.write_text(
        text.replace(f"base_url: {web_workspace.base_url}", f"base_url: {public}/")
    )
    msg = send_everything(web_workspace, smtp_server)
    html = msg.get_body(("html",)).get_content()
    links = dict(re.findall(r'<a href="(http://127\.0\.0\.1:\d+[^"]*)"[^>]*>([^<]+)</a>', html))
    prefs = next(url for url, label in links.items() if label == "Change your interests")
    more = next(url for url, label in links.items() if label == "More like this")
    assert prefs.startswith(f"{public}/u/") and more.startswith(f"{public}/u/")
    assert all(url.startswith(public + "/") for url in links)
    path = web_workspace.root / "profiles" / "ada.yaml"
    with (
        digest_serve(web_workspace.config_path, app_port, prefix),
        reverse_proxy(proxy_port, app_port, strip, prefix) as asked,
    ):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        failed: list[str] = []
        page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
        page.goto(prefs)
        page.frame_locator("#preview").locator("h1").first.wait_for()  # the iframe's page
        page.fill("#new-kw", "quantum")
        page.click("#add")
        page.locator("#summary").filter(has_text=re.compile(r"^\d+ papers?")).wait_for()  # fetched
        page.click("#save")  # the form's action, then the redirect
        page.locator(".notice").filter(has_text="Saved.").wait_for()
        assert "quantum" in yaml.safe_load(path.read_text())["interests"]
        page.goto(more)  # a rating: the button's form, the page's link back to the ratings
        page.get_by_role("button", name="More like this").click()
        page.locator(".notice").filter(has_text="Noted").wait_for()
        page.get_by_role("link", name="See all your ratings").click()
        page.get_by_role("button", name=re.compile("Undo your rating")).click()  # its redirect
        page.locator(".notice").filter(has_text="Rating removed.").wait_for()
        page.get_by_role("link", name="Unsubscribe").click()
        page.get_by_role("button", name="Unsubscribe").click()
        page.locator("h1").filter(has_text="You are unsubscribed").wait_for()
        page.get_by_role("button", name="Undo: send my digests again").click()
        page.locator(".notice").filter(has_text="Welcome back").wait_for()
        with page.expect_request(lambda r: r.url.endswith("/version")):  # live.js polls
            page.get_by_role("link", name="Open the preview on its own").click()
        page.close()
    assert failed == []
    outside = [p for p in asked if not p.startswith(prefix + "/")]
    assert set(outside) <= {"/favicon.ico"}, outside  # the browser's own guess, at the host's root
    for part in ("/assets/prefs.js", "/preview", "/version", "/digest", "/assets/live.js"):
        assert any(part in p for p in asked), part
