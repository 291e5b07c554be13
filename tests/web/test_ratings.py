"""Rating pages of `digest serve` through Flask's test client: a GET changes nothing, a POST with
the form token rates (the store call `digest feedback` makes), undo puts the previous rating back."""

from __future__ import annotations

import contextlib
import re

import pytest
from helpers.disks import tmpfs

from digest.signing import Signer
from digest.store import Store
from digest.web.app import create_app

from conftest import NOW, make_dump

PAPERS = [("Robotics Today", "Robots that grasp."), ("Planning for Robots", "Planning grasps.")]


@pytest.fixture
def site(web_workspace):
    web_workspace.profile("ada", "email: ada@example.org\ninterests:\n  robotics: 2\n")
    web_workspace.profile("bob", "email: bob@example.org\ninterests: [control]\n")
    web_workspace.dump("day.txt", make_dump("Mar 14", PAPERS))
    assert web_workspace.cli("ingest").exit_code == 0
    config = web_workspace.config
    signer = Signer.from_config(config)
    client = create_app(config, signer, lambda: NOW).test_client()
    with Store(config.database) as store:
        ids = {p.title: p.id for p in store.papers()}
    return web_workspace, signer, client, ids


def ratings(ws, user="ada"):
    with Store(ws.config.database) as store:
        return store.ratings(user)


def rate(client, signer, token, paper_id, rating, **extra):
    data = {"csrf": signer.form_token(token), "rating": rating, **extra}
    return client.post(f"/u/{token}/rate/{paper_id}", data=data)


def test_a_rating_link_shows_the_title_and_a_button_and_changes_nothing(site):
    ws, signer, client, ids = site
    ada = signer.token("ada", NOW)
    pid = ids["Robotics Today"]
    for kind, button in (("more", "More like this"), ("less", "Less like this")):
        for _ in range(2):  # a scanner, then a link preview: still nothing
            r = client.get(f"/u/{ada}/{kind}/{pid}")
            assert r.status_code == 200
            page = r.get_data(as_text=True)
            assert "Robotics Today" in page and f">{button}</button>" in page
            assert f'name="csrf" value="{signer.form_token(ada)}"' in page
            assert f'action="/u/{ada}/rate/{pid}"' in page
    assert ratings(ws) == {}


def test_the_post_records_the_rating_and_offers_an_undo_that_restores_the_previous_one(site):
    ws, signer, client, ids = site
    ada = signer.token("ada", NOW)
    pid = ids["Robotics Today"]
    r = rate(client, signer, ada, pid, "up")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "you will see more papers like this one" in page
    assert re.search(r'name="rating" value="clear">\s*<button[^>]*>Undo</button>', page)
    assert ratings(ws) == {pid: 1}
    r = rate(client, signer, ada, pid, "down")  # changed their mind: undo goes back to "up"
    assert "fewer papers like this one" in r.get_data(as_text=True)
    assert 'name="rating" value="up"' in r.get_data(as_text=True)
    assert ratings(ws) == {pid: -1}
    rate(client, signer, ada, pid, "up")
    rate(client, signer, ada, pid, "clear")
    assert ratings(ws) == {}


def test_rating_from_the_web_is_what_the_command_line_records(site):
    ws, signer, client, ids = site
    pid = ids["Planning for Robots"]
    assert ws.cli("feedback", "ada", str(pid), "up").exit_code == 0
    cli_rating = ratings(ws)
    ws.cli("feedback", "ada", str(pid), "clear")
    rate(client, signer, signer.token("ada", NOW), pid, "up")
    assert ratings(ws) == cli_rating == {pid: 1}


def test_posts_without_the_form_token_from_another_origin_or_with_bobs_token_are_403(site):
    ws, signer, client, ids = site
    ada, bob = signer.token("ada", NOW), signer.token("bob", NOW)
    pid = ids["Robotics Today"]
    url = f"/u/{ada}/rate/{pid}"
    assert client.post(url, data={"rating": "up"}).status_code == 403
    assert client.post(url, data={"rating": "up", "csrf": signer.form_token(bob)}).status_code == 403
    cross = client.post(
        url, data={"rating": "up", "csrf": signer.form_token(ada)}, headers={"Origin": "https://evil.example"}
    )
    assert cross.status_code == 403
    assert ratings(ws) == {} and ratings(ws, "bob") == {}


def test_tampered_and_foreign_tokens_get_the_same_403_and_a_removed_reader_410(site):
    ws, signer, client, ids = site
    ada = signer.token("ada", NOW)
    pid = ids["Robotics Today"]
    forbidden = client.get(f"/u/{ada[:-1]}x/more/{pid}" if ada[-1] != "x" else f"/u/{ada[:-1]}y/more/{pid}")
    other = Signer(b"another-secret-0123456789").token("ada", NOW)
    for token in (other, ada[:-2]):
        for r in (client.get(f"/u/{token}/more/{pid}"), rate(client, signer, token, pid, "up")):
            assert r.status_code == 403 and r.data == forbidden.data
    ghost = signer.token("nobody", NOW)  # signed, but no such profile (any more): nothing recorded
    for r in (client.get(f"/u/{ghost}/more/{pid}"), rate(client, signer, ghost, pid, "up")):
        assert r.status_code == 410 and b"no longer receives digests" in r.data
    assert forbidden.status_code == 403 and b"ada" not in forbidden.data
    assert ratings(ws) == {} and ratings(ws, "nobody") == {}


def test_an_unknown_paper_is_404_and_an_unknown_rating_400(site):
    ws, signer, client, ids = site
    ada = signer.token("ada", NOW)
    assert client.get(f"/u/{ada}/more/99999").status_code == 404
    assert client.get(f"/u/{ada}/less/{10**23}").status_code == 404  # beyond any database integer
    assert rate(client, signer, ada, 10**23, "up").status_code == 404
    assert rate(client, signer, ada, 99999, "up").status_code == 404
    assert rate(client, signer, ada, ids["Robotics Today"], "sideways").status_code == 400
    assert ratings(ws) == {}


def test_the_preferences_page_lists_the_ratings_and_undoes_any(site):
    ws, signer, client, ids = site
    ada = signer.token("ada", NOW)
    empty = client.get(f"/u/{ada}").get_data(as_text=True)
    assert "Your ratings" in empty and "None yet" in empty
    rate(client, signer, ada, ids["Robotics Today"], "up")
    rate(client, signer, ada, ids["Planning for Robots"], "down")
    page = client.get(f"/u/{ada}").get_data(as_text=True)
    listed = re.findall(r'class="rated-title">([^<]+)</span><br><span class="what">([^<]+)</span>', page)
    assert listed == [  # the latest first (the same moment here: the later paper first)
        ("Planning for Robots", "Less like this &middot; Mar 20, 2026"),
        ("Robotics Today", "More like this &middot; Mar 20, 2026"),
    ]
    r = rate(client, signer, ada, ids["Robotics Today"], "clear", back="preferences")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/u/{ada}?done=rating-clear#ratings")
    assert ratings(ws) == {ids["Planning for Robots"]: -1}
    after = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Rating removed." in after and "Robotics Today</span>" not in after


def test_a_rating_the_database_cannot_store_is_a_503_that_says_so_not_a_404(web_workspace, tmp_path):
    # A full disk (or a database locked past the timeout) is no missing paper: the reader is
    # told the rating was not recorded and to try again, not that the link is dead.
    ws = web_workspace
    with tmpfs(tmp_path, "2m") as disk:
        text = ws.config_path.read_text().replace("database: digest.db", f"database: {disk}/digest.db")
        ws.config_path.write_text(text)
        ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
        ws.dump("day.txt", make_dump("Mar 14", PAPERS))
        assert ws.cli("ingest").exit_code == 0
        config = ws.config
        signer = Signer.from_config(config)
        client = create_app(config, signer, lambda: NOW).test_client()
        with Store(config.database) as store:
            pid = store.papers()[0].id
        filler = disk / "filler"
        with filler.open("wb", buffering=0) as f, contextlib.suppress(OSError):
            while True:
                f.write(b"\0" * 4096)
        r = rate(client, signer, signer.token("ada", NOW), pid, "up")
        assert r.status_code == 503 and r.headers["Retry-After"] == "120"  # a full disk may pass
        assert "Please try again in a few minutes" in r.get_data(as_text=True)
        filler.unlink()
        assert ratings(ws) == {}
        assert (
            rate(client, signer, signer.token("ada", NOW), pid, "up").status_code == 200
        )  # and again, it is
        assert ratings(ws) == {pid: 1}


def test_the_page_of_an_undone_rating_is_titled_as_what_it_says(site):
    """Undoing a "More like this" on its own page said "Your rating of this paper is removed." under
    a tab titled "Less like this", what a screen reader reads out first: the title follows the page."""
    ws, signer, client, ids = site
    ada = signer.token("ada", NOW)
    pid = ids["Robotics Today"]
    titles = {}
    for rating in ("up", "clear", "down", "clear"):
        page = rate(client, signer, ada, pid, rating).get_data(as_text=True)
        titles.setdefault(rating, set()).add(re.search(r"<title>(.*?)</title>", page).group(1))
    assert titles == {
        "up": {"More like this · Research digest"},
        "down": {"Less like this · Research digest"},
        "clear": {"Rating removed · Research digest"},
    }
