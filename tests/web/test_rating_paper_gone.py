"""A "More like this" or "Less like this" link whose paper the database no longer holds (a database
started afresh, or the paper deleted by hand) answers a 404 page that says so in the digest's
words, that nothing was rated, and where the reader's ratings are; not the web framework's
"The requested URL was not found on the server. If you entered the URL manually please check
your spelling". Through a real served app (urllib)."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

from digest.signing import Signer
from digest.store import Store

from conftest import NOW


def fetch(url: str, data: dict[str, str] | None = None) -> tuple[int, str]:
    body = urllib.parse.urlencode(data).encode() if data else None
    try:
        with urllib.request.urlopen(url, body) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_a_link_to_a_paper_no_longer_stored_says_so_and_rates_nothing(web_workspace):
    ws = web_workspace.with_ada("email: ada@example.org\ninterests: [robotics]\n")  # paper 1, not 4242
    signer = Signer.from_config(ws.config)
    ada = signer.token("ada", NOW)
    with ws.serve() as base:
        for kind in ("more", "less"):
            status, page = fetch(f"{base}/u/{ada}/{kind}/4242")
            assert status == 404
            assert "This paper is no longer in your digest's archive" in page, page
            assert "Nothing was rated." in page
            assert f'href="/u/{ada}#ratings"' in page
        status, page = fetch(f"{base}/u/{ada}/rate/4242", {"rating": "up", "csrf": signer.form_token(ada)})
        assert status == 404 and "Nothing was rated." in page
    with Store(ws.config.database) as store:
        assert store.ratings("ada") == {}
