"""A rating on the web page of a renamed profile file's reader (ada.yaml now ada2.yaml, the same
address, no pass since) whose carry-over cannot be made now writes nothing, as `digest feedback
ada2` refuses (tests/cli/test_feedback_renamed.py): a rating stored under ada2 would make ada2 a
reader of her own and leave ada's history behind for good.

- put off (a message of ada's being sent by a worker): the 503 with Retry-After, tried again;
  once the worker is done, the same rating carries ada over and is stored;
- ada's address shared with another new profile (none continues her): a 503 for the operator,
  who says which continues her; the next send then carries her over to neither.

The real app (create_app) on a real database, with the form a GET of the link gives."""

from __future__ import annotations

import re

import pytest
from helpers.renamed_reader import ADA, ada_being_sent_then_renamed, ada_rated_then_renamed, digest

from digest.db import wall_clock
from digest.signing import Signer
from digest.store import Store
from digest.web.app import create_app

pytestmark = pytest.mark.backends


def rate(ws, user: str, paper: int, rating: str = "up"):
    """The page's "More like this" button of ``paper`` for ``user`` (a link signed now)."""
    token = Signer.from_config(ws.config).token(user, wall_clock())
    web = create_app(ws.config, Signer.from_config(ws.config), wall_clock).test_client()
    asked = web.get(f"/u/{token}/more/{paper}").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', asked).group(1)
    return web.post(f"/u/{token}/rate/{paper}", data={"rating": rating, "csrf": csrf})


def test_a_rating_on_the_page_waits_while_the_carry_over_is_put_off(web_workspace):
    ws = web_workspace
    paper = ada_being_sent_then_renamed(ws)

    answer = rate(ws, "ada2", paper)
    assert answer.status_code == 503 and "Retry-After" in answer.headers
    with Store(ws.config.database) as store:
        assert store.ratings("ada2") == {} and store.schedule_state("ada2") is None
        store.db.execute("UPDATE outbox SET claimed_by = NULL, claimed_until = NULL")  # the worker done
    assert rate(ws, "ada2", paper).status_code == 200
    with Store(ws.config.database) as store:
        assert store.ratings("ada2") == {paper: 1} and store.schedule_state("ada2") is not None


def test_a_rating_on_the_page_does_not_choose_between_two_new_profiles_with_the_address(
    web_workspace, caplog
):
    ws = web_workspace
    first, second = ada_rated_then_renamed(ws)
    ws.profile("ada3", ADA)

    answer = rate(ws, "ada2", second)
    assert answer.status_code == 503
    assert "and so does ada3: none of them continues ada yet" in caplog.text
    sent = digest(ws, "send")
    assert sent.returncode == 0, sent.stderr
    with Store(ws.config.database) as store:
        found = {user: store.ratings(user) for user in ("ada", "ada2", "ada3")}
        assert found == {"ada": {first: -1}, "ada2": {}, "ada3": {}}
