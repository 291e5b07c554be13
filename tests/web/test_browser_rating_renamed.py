"""A reader whose profile file was renamed since the last pass (bob.yaml to robert.yaml, the same
address) who rates a paper on the web page is carried over to the new name first, as `digest
feedback robert` does (digest.daemon.renamed_first.carried_first): a rating stored under robert
before it would make robert a reader of his own, and bob's history (here the hard bounce of his
address) would stay under bob for good, robert's digests going to the refused address again.
So the rating page then says what it finds: none goes to him (the bounce), not "at once".
The real `digest send` through aiosmtpd on loopback (refusing bob's address on the second day),
the real `digest preview robert --text` for the link, the real `digest serve`, the button
clicked in Chromium."""

from __future__ import annotations

import re

from helpers.rated_from_email import AT_ONCE, BOUNCED, bob_bounced, digest, rated_hint
from helpers.refusing import Refusing

from digest.deliver.suppressions import Suppressions
from digest.demo.smtp_server import LocalSmtpServer
from digest.store import Store

from conftest import WebWorkspace


def test_a_renamed_bounced_reader_rating_on_the_page_is_carried_over_first_and_told_none_goes(
    tmp_path,
    monkeypatch,
    browser,
):
    refusing = Refusing(set())
    with LocalSmtpServer(refusing) as server:
        ws = bob_bounced(tmp_path, monkeypatch, server, refusing)
    link = robert_link(ws, "More like this")

    words = rated_hint(ws, link, browser)

    assert BOUNCED in words and AT_ONCE not in words, words
    with Store(ws.config.database) as store:
        assert Suppressions(store).get("robert").kind == "bounce"  # bob's history is robert's now
        assert Suppressions(store).get("bob") is None
    feedback = digest(ws, "feedback", "robert", str(_rated_id(ws)), "up")
    assert "note: robert is suppressed" in feedback.stdout, feedback.stdout + feedback.stderr


def robert_link(ws: WebWorkspace, which: str) -> str:
    """bob.yaml renamed robert.yaml (no pass since): the link ``which`` ("More like this",
    "Unsubscribe") of `digest preview robert --text`, signed for robert."""
    (ws.root / "profiles" / "bob.yaml").rename(ws.root / "profiles" / "robert.yaml")
    preview = digest(ws, "preview", "robert", "--text")
    assert preview.returncode == 0, preview.stderr
    return re.search(rf"{which}: (\S+)", preview.stdout).group(1)


def _rated_id(ws) -> int:
    with Store(ws.config.database) as store:
        (paper_id,) = store.ratings("robert")
    return paper_id
