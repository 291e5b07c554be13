"""A reader who rates a paper while their digests are paused is not told that their next digest
learns from it at once: there is none until they resume, which the page says."""

from __future__ import annotations

import urllib.parse
import urllib.request

from digest.signing import Signer

from conftest import NOW

AT_ONCE = "Your next digest and its preview learn from this at once."
PAUSED = "Your digests are paused: your next digest, once you resume them, learns from this."


def rated(ws) -> str:
    """The page after the "More like this" button, from a real served app."""
    signer = Signer.from_config(ws.config)
    ada = signer.token("ada", NOW)
    body = urllib.parse.urlencode({"csrf": signer.form_token(ada), "rating": "up"}).encode()
    with ws.serve() as base, urllib.request.urlopen(f"{base}/u/{ada}/rate/1", body) as r:
        return r.read().decode()


def test_a_rating_while_paused_says_the_next_digest_waits_for_the_resume(web_workspace):
    ws = web_workspace.with_ada("email: ada@example.org\ninterests: [robotics]\npaused: true\n")
    page = rated(ws)
    assert "Noted: you will see more papers like this one." in page
    assert PAUSED in page and AT_ONCE not in page, page[page.find('id="rate"') :][:900]


def test_a_rating_while_not_paused_says_the_next_digest_learns_at_once(web_workspace):
    ws = web_workspace.with_ada("email: ada@example.org\ninterests: [robotics]\n")
    page = rated(ws)
    assert AT_ONCE in page and PAUSED not in page
