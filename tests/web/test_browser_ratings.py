"""Rating a paper from a real received email in a real browser (Debian's Chromium, Playwright):
the digest goes through aiosmtpd, its "More like this" link is opened, the button clicked, and
the preview ranks that paper's neighbours higher. And a link scanner that fetches every URL of
the message rates nothing, unsubscribes no one and changes no profile."""

from __future__ import annotations

import hashlib
import re
import urllib.request
from email.message import EmailMessage
from urllib.parse import urlsplit

from helpers.sent_digest import ingest_and_send

from digest.deliver.suppressions import Suppressions
from digest.ingest.dumps import ingest
from digest.ingest.sources import read_dump
from digest.store import Store

from conftest import NOW, make_dump

PROFILE = "name: Ada\nemail: ada@example.org\ninterests:\n  robotics: 2\n"
FIRST_DAY = [
    (
        "Spiking Neural Networks Drive a Walking Robotics Platform",
        "Spiking neural networks on a neuromorphic chip control the legs of a walking robot "
        "with spikes from event cameras, at a fraction of the energy of a GPU.",
    ),
    ("Robotics Grasping from Tactile Feedback", "A gripper learns to grasp soft objects from touch sensors."),
]
# The next listing: two robotics papers, and two about spiking neurons on neuromorphic chips
# (the liked paper's neighbours) that no keyword of the reader reaches.
NEXT_DAY = [
    ("Robotics Arm Calibration Made Simple", "We calibrate industrial robotics arms with a phone camera."),
    ("Warehouse Robotics at Scale", "Fleets of robotics carts move parcels through large warehouses."),
    (
        "Event Cameras Feed Spiking Neural Networks on Neuromorphic Chips",
        "Spiking neural networks read spikes from event cameras on a neuromorphic chip, at low energy.",
    ),
    (
        "Training Spiking Neural Networks with Surrogate Gradients",
        "Surrogate gradients train deep spiking neural networks for neuromorphic chips.",
    ),
]
NEIGHBOURS = {NEXT_DAY[2][0], NEXT_DAY[3][0]}
OTHERS = {NEXT_DAY[0][0], NEXT_DAY[1][0]}


def background(shared_dumps) -> list[tuple[str, str]]:
    """Real papers of the shared dumps on other topics, half for each day: the listing a reader's
    model learns against (with a handful of papers, every other paper is a negative example)."""
    papers = []
    for dump in shared_dumps:
        for e in read_dump(dump).entries:
            if not re.search(r"robot|spik|neuromorph|event camera", f"{e.title} {e.abstract}", re.I):
                papers.append((e.title, e.abstract))
    return papers[:300]


def send_first_digest(ws, smtp_server, shared_dumps) -> EmailMessage:
    others = background(shared_dumps)
    ws.dump("day1.txt", make_dump("Mar 14", FIRST_DAY + others[:150]))
    ws.profile("ada", PROFILE)
    config = ws.config
    with Store(config.database) as store:
        ingest_and_send(config, store)
        day2 = ws.dump("day2.txt", make_dump("Mar 15", NEXT_DAY + others[150:]), where="later")
        ingest(store, [day2], NOW)
    (received,) = smtp_server.messages
    return received.message


def liked_link(msg: EmailMessage) -> str:
    """The "More like this" link of the first day's spiking paper in the received email."""
    html = msg.get_body(("html",)).get_content()
    block = html[html.index("Drive a Walking") :]  # its title, past the highlighted keyword
    return re.search(r'<a href="([^"]+)"[^>]*>More like this</a>', block)[1]


def preview_titles(page, base_url: str, token_url: str) -> list[str]:
    page.goto(token_url + "/digest")
    return [t.strip() for t in page.locator("h2").all_inner_texts()]


def test_more_like_this_from_the_received_email_raises_the_papers_neighbours_in_the_preview(
    web_workspace,
    smtp_server,
    shared_dumps,
    browser,
):
    msg = send_first_digest(web_workspace, smtp_server, shared_dumps)
    liked = FIRST_DAY[0][0]
    link = liked_link(msg)
    assert link.startswith(web_workspace.base_url + "/u/") and "/more/" in link
    text = msg.get_body(("plain",)).get_content()
    assert f"More like this: {link}\r\n" in text  # the same link in the text part (as received: CRLF)
    reader_url = link.split("/more/")[0]
    with web_workspace.serve():
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        before = preview_titles(page, web_workspace.base_url, reader_url)
        assert set(before[:2]) == OTHERS and not NEIGHBOURS & set(before)  # no keyword reaches them

        page.goto(link)
        assert page.locator("h1").inner_text() == liked
        page.get_by_role("button", name="More like this").click()
        page.locator(".notice").filter(has_text="more papers like this one").wait_for()
        with Store(web_workspace.config.database) as store:
            assert list(store.ratings("ada").values()) == [1]

        after = preview_titles(page, web_workspace.base_url, reader_url)
        assert set(after[:2]) == OTHERS, after  # the keyword matches stay first
        assert set(after[2:4]) == NEIGHBOURS, after  # the neighbours rose into the digest, next
        assert "close to papers you liked" in page.content().lower()  # the reason, in the email

        page.goto(reader_url + "#ratings")  # listed on the preferences page, undone from there
        ratings = page.locator("#ratings li")
        assert ratings.count() == 1 and liked in ratings.inner_text()
        ratings.get_by_role("button", name="Undo").click()
        page.locator(".notice").filter(has_text="Rating removed.").wait_for()
        assert page.locator("#ratings li").count() == 0
        with Store(web_workspace.config.database) as store:
            assert store.ratings("ada") == {}
        assert preview_titles(page, web_workspace.base_url, reader_url) == before
        page.close()


def urls_in(msg: EmailMessage) -> set[str]:
    """Every http(s) URL in the message: headers, the text part, the HTML part (href and text)."""
    parts = [str(value) for _, value in msg.items()]
    parts += [msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()]
    found: set[str] = set()
    for part in parts:
        found.update(u.replace("&amp;", "&") for u in re.findall(r"https?://[^\s\"'<>]+", part))
    return found


def state(ws) -> tuple[dict, str, bool]:
    profile = (ws.root / "profiles" / "ada.yaml").read_bytes()
    with Store(ws.config.database) as store:
        ratings = {user: store.ratings(user) for user in ("ada",)}
        suppressed = Suppressions(store).get("ada") is not None
    return ratings, hashlib.sha256(profile).hexdigest(), suppressed


def test_a_link_scanner_that_fetches_every_url_of_the_message_changes_nothing(
    web_workspace, smtp_server, shared_dumps
):
    msg = send_first_digest(web_workspace, smtp_server, shared_dumps)
    urls = urls_in(msg)
    ours = sorted(u for u in urls if u.startswith(web_workspace.base_url + "/"))
    assert sum("/more/" in u for u in ours) == sum("/less/" in u for u in ours) == 2
    assert any(u.endswith("/unsubscribe") for u in ours)
    elsewhere = {urlsplit(u).hostname for u in urls} - {urlsplit(web_workspace.base_url).hostname}
    assert elsewhere == {"arxiv.org"}  # not fetched here (no network): not ours to change
    before = state(web_workspace)
    with web_workspace.serve():
        for url in ours:
            with urllib.request.urlopen(url, timeout=10) as response:  # follows redirects
                assert response.status == 200, url
                response.read()
    assert state(web_workspace) == before
    ratings, _, suppressed = before
    assert ratings == {"ada": {}} and not suppressed
    assert "paused" not in (web_workspace.root / "profiles" / "ada.yaml").read_text()
