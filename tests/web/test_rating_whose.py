"""A digest forwarded to someone else carries its reader's links: the rating page says whose
digest a rating goes to (the address it is sent to), before and after the button, so that the
one it was forwarded to is not told "you will see more papers like this one" unawares."""

from __future__ import annotations

import urllib.parse
import urllib.request

from digest.signing import Signer

from conftest import NOW

WHOSE = "This rating is for the digest sent to ada@example.org."


def test_the_rating_page_names_the_digest_the_rating_goes_to(web_workspace):
    ws = web_workspace.with_ada("email: ada@example.org\ninterests: [robotics]\n")  # paper 1 ingested
    signer = Signer.from_config(ws.config)
    ada = signer.token("ada", NOW)
    with ws.serve() as base:
        with urllib.request.urlopen(f"{base}/u/{ada}/more/1") as r:
            assert WHOSE in r.read().decode()
        body = urllib.parse.urlencode({"csrf": signer.form_token(ada), "rating": "up"}).encode()
        with urllib.request.urlopen(f"{base}/u/{ada}/rate/1", body) as r:
            page = r.read().decode()
    assert "Noted: you will see more papers like this one." in page and WHOSE in page
