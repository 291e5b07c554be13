"""RFC 8058's one-click unsubscribe is a POST of "List-Unsubscribe=One-Click" to the signed URL of
the List-Unsubscribe header, made by the reader's mail provider or mail client: from its servers
(no Origin), or from a web mail's page in the reader's browser, which sends the web mail's Origin.
The signed URL is the authorization, so both unsubscribe; the unsubscribe page's own button, sent
from another site, is still refused. A real HTTP server on loopback (`digest serve`'s app)."""

from __future__ import annotations

import urllib.error
import urllib.request

import yaml

WEB_MAIL = "https://mail.example.net"


def post(url: str, body: bytes, origin: str | None) -> int:
    headers = {"Content-Type": "application/x-www-form-urlencoded"} | ({"Origin": origin} if origin else {})
    try:
        with urllib.request.urlopen(urllib.request.Request(url, body, headers, method="POST")) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def paused(ws) -> bool:
    return bool(yaml.safe_load((ws.root / "profiles" / "ada.yaml").read_text()).get("paused"))


def test_a_one_click_post_from_a_web_mails_page_unsubscribes(web_workspace):
    ws = web_workspace.with_ada("email: ada@example.org\ninterests: [robotics]\n")
    with ws.serve():
        url = f"{ws.page_url()}/unsubscribe"
        assert post(url, b"", WEB_MAIL) == 403  # the page's button, sent from another site
        assert not paused(ws)
        assert post(url, b"List-Unsubscribe=One-Click", WEB_MAIL) == 200
        assert paused(ws)
        assert post(url, b"List-Unsubscribe=One-Click", WEB_MAIL) == 200  # again: still unsubscribed
        assert paused(ws)


def test_a_one_click_post_ending_its_body_with_a_line_break_unsubscribes(web_workspace):
    """A client that writes its form body as a line ("List-Unsubscribe=One-Click\\r\\n") still asks
    for the one-click: a 403 would lose the reader's unsubscribe (providers do not try again)."""
    ws = web_workspace.with_ada("email: ada@example.org\ninterests: [robotics]\n")
    with ws.serve():
        url = f"{ws.page_url()}/unsubscribe"
        assert post(url, b"List-Unsubscribe=One-Click\r\n", None) == 200
        assert paused(ws)
