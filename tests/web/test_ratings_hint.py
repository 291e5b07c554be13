"""The preferences page's list of ratings says where they come from: the links in the reader's
digests, and `digest feedback`, whose ratings it lists too (the one table holds both)."""

from __future__ import annotations

import re
import urllib.request

from digest.signing import Signer

from conftest import NOW


def test_a_rating_made_with_digest_feedback_is_not_said_to_come_from_the_digests_links(web_workspace):
    ws = web_workspace.with_ada("email: ada@example.org\ninterests: [robotics]\n")
    assert ws.cli("feedback", "ada", "1", "up").exit_code == 0  # the command line, no link clicked
    ada = Signer.from_config(ws.config).token("ada", NOW)
    with ws.serve() as base, urllib.request.urlopen(f"{base}/u/{ada}") as r:
        page = r.read().decode()
    assert 'class="rated-title">Robotics Today</span>' in page
    hint = re.search(r'id="ratings-title">Your ratings</h2>\s*<p class="hint">([^<]*)</p>', page)
    assert hint is not None, page[page.find('id="ratings-title"') :][:600]
    assert hint.group(1) == (
        'Papers you rated with the "More like this" and "Less like this" links in your '
        "digests, and any rated for you with `digest feedback`. Your digests learn from them; undo "
        "any you no longer mean."
    ), hint.group(1)
