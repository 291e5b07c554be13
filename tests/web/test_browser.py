"""The preferences page in a real browser (Debian's Chromium driven by Playwright), reached from
a real email: sent through aiosmtpd, parsed, its link followed."""

from __future__ import annotations

import re
import urllib.request

import yaml
from helpers.sent_digest import PAPERS, PROFILE, send_everything

from digest.ingest.dumps import ingest
from digest.signing import Signer
from digest.store import Store

from conftest import NOW, make_dump

NEXT_DAY = [
    ("Quantum Error Correction with Surface Codes", "A quantum memory with low overhead."),
    ("Neuromorphic Vision", "Event cameras on neuromorphic chips."),  # listed again: sent already
]


def test_from_the_email_link_add_a_keyword_see_the_preview_change_and_save(
    web_workspace, smtp_server, browser
):
    msg = send_everything(web_workspace, smtp_server)
    html = msg.get_body(("html",)).get_content()
    url = re.search(r'<a href="([^"]+)"[^>]*>Change your interests</a>', html)[1]
    assert url.startswith(web_workspace.base_url + "/u/")
    path = web_workspace.root / "profiles" / "ada.yaml"
    # The next listing arrives: the next digest is chosen from it.
    with Store(web_workspace.config.database) as store:
        day2 = web_workspace.dump("day2.txt", make_dump("Mar 15", NEXT_DAY), where="later")
        ingest(store, [day2], NOW)
    with web_workspace.serve():
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        frame = page.frame_locator("#preview")
        # What matched in the new listing was sent already: no email (send_empty is off) until a new keyword.
        frame.locator("h1").filter(has_text="No email for now").wait_for()
        page.fill("#new-kw", "quantum")
        page.fill("#new-weight", "2")
        page.click("#add")
        frame.get_by_text("Quantum Error Correction with Surface Codes").wait_for()
        assert page.locator("#summary").inner_text() == "1 paper"
        assert page.locator("#interests [name=kw]").evaluate_all("els => els.map(e => e.value)") == [
            "spiking neural networks",
            "neuromorphic",
            "quantum",
        ]
        assert path.read_text() == PROFILE  # nothing saved yet
        page.click("#save")
        page.locator(".notice").filter(has_text="Saved.").wait_for()
        text = path.read_text()
        assert yaml.safe_load(text)["interests"] == {
            "spiking neural networks": 3,
            "neuromorphic": 2,
            "quantum": 2,
        }
        assert "  spiking neural networks: 3   # the main topic\n" in text
        assert text.startswith("# Ada's profile: hand-written")
        page.close()


def test_one_click_unsubscribe_from_the_header_then_undo(web_workspace, smtp_server, browser):
    msg = send_everything(web_workspace, smtp_server)
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.match(r"<(http[^>]+)>", msg["List-Unsubscribe"])[1]
    path = web_workspace.root / "profiles" / "ada.yaml"
    with web_workspace.serve():
        # What a mail provider does (RFC 8058): a POST with this body, no cookie, no form token.
        request = urllib.request.Request(link, data=b"List-Unsubscribe=One-Click", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        assert yaml.safe_load(path.read_text())["paused"] is True
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(link)
        assert "You are unsubscribed" in page.locator("h1").inner_text()
        page.get_by_role("button", name="Undo: send my digests again").click()
        page.locator(".notice").filter(has_text="Welcome back").wait_for()
        assert yaml.safe_load(path.read_text())["paused"] is False
        page.close()


def test_a_tampered_token_gets_403_and_reveals_nothing(web_workspace, smtp_server, browser):
    msg = send_everything(web_workspace, smtp_server)
    html = msg.get_body(("html",)).get_content()
    url = re.search(r'<a href="([^"]+)"[^>]*>Change your interests</a>', html)[1]
    tampered = url[:-1] + ("A" if url[-1] != "A" else "B")
    with web_workspace.serve():
        page = browser.new_page()
        response = page.goto(tampered)
        assert response.status == 403
        body = page.content()
        assert "ada" not in body.lower() and "example.org" not in body
        page.close()


def test_weights_off_the_spinner_grid_are_shown_whole_and_do_not_stop_the_form_from_saving(
    web_workspace, browser
):
    # Weights set on the command line (0.05, 1.2345678) are off the form's old 0.1 grid, which
    # made the browser refuse the whole form, and were shown (and saved) as 1.23457.
    text = PROFILE.replace("spiking neural networks: 3 ", "spiking neural networks: 1.2345678 ")
    text = text.replace("neuromorphic: 2", "neuromorphic: 0.05")
    path = web_workspace.profile("ada", text)
    with web_workspace.serve():
        page = browser.new_page()
        page.goto(web_workspace.page_url())
        assert page.locator("[name=weight]").evaluate_all("els => els.map(e => e.value)") == [
            "1.2345678",
            "0.05",
        ]
        page.fill("#send_at", "08:15")
        page.click("#save")
        page.locator(".notice").filter(has_text="Saved.").wait_for()
        page.close()
    assert path.read_text() == text + 'send_at: "08:15"\n'


def test_a_long_unbroken_link_wraps_in_the_email_and_the_pages_on_a_phone(web_workspace, browser):
    url = "https://huggingface.co/datasets/AVeryLongOrganizationName/AnEvenLongerDatasetNameWithoutAnyBreaks"
    web_workspace.profile("ada", PROFILE)
    web_workspace.dump(
        "day.txt", make_dump("Mar 14", [(f"Spiking data at {url}", f"Spiking data at {url}.")])
    )
    assert web_workspace.cli("ingest").exit_code == 0
    email = web_workspace.root / "ada.html"
    assert web_workspace.cli("preview", "ada", "--out", str(email)).exit_code == 0
    token = Signer.from_config(web_workspace.config).token("ada", NOW)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    with web_workspace.serve() as base:
        for address in (email.as_uri(), f"{base}/u/{token}/more/1", f"{base}/u/{token}/digest"):
            page.goto(address)
            assert page.evaluate("document.documentElement.scrollWidth") == 390, address
    page.close()


def test_a_removed_reader_following_an_old_email_is_told_no_more_digests_come(
    web_workspace, smtp_server, browser
):
    msg = send_everything(web_workspace, smtp_server)
    html = msg.get_body(("html",)).get_content()
    unsubscribe = re.search(r'<a href="([^"]+)"[^>]*>Unsubscribe</a>', html)[1]
    (web_workspace.root / "profiles" / "ada.yaml").unlink()  # ada was removed since
    with web_workspace.serve():
        page = browser.new_page()
        response = page.goto(unsubscribe)
        assert response.status == 410
        assert page.locator("h1").inner_text() == "This address no longer receives digests"
        assert "not valid" not in page.content()
        page.close()


def test_the_email_link_of_a_reader_whose_profile_file_was_renamed_opens_the_renamed_file(
    web_workspace, smtp_server, browser
):
    ws = web_workspace
    ws.dump("day.txt", make_dump("Mar 14", PAPERS))
    ws.profile("ada", PROFILE)
    assert ws.cli("ingest").exit_code == 0
    assert ws.cli("send").exit_code == 0
    (received,) = smtp_server.messages
    html = received.message.get_body(("html",)).get_content()
    url = re.search(r'<a href="([^"]+)"[^>]*>Change your interests</a>', html)[1]
    folder = ws.root / "profiles"
    (folder / "ada.yaml").rename(folder / "ada-lovelace.yaml")
    again = ws.cli("send")  # carries ada over: the same reader, already sent today
    assert "ada-lovelace continues ada" in again.output and "already sent today" in again.output
    with ws.serve():
        page = browser.new_page()
        page.goto(url)
        page.fill("#send_at", "08:15")
        page.click("#save")
        page.locator(".notice").filter(has_text="Saved.").wait_for()
        page.close()
    assert (folder / "ada-lovelace.yaml").read_text().endswith('send_at: "08:15"\n')
    assert not (folder / "ada.yaml").exists() and len(smtp_server.messages) == 1


def test_the_browser_refuses_a_weight_or_a_number_the_server_would_refuse_and_takes_any_it_accepts(
    web_workspace, browser
):
    """The weight fields allowed 0 (min="0"), which the server refuses: the reader learnt it only
    after a round trip. The form's limits are now the server's (a weight more than 0, up to 100,
    any fraction; papers at most 1 to 1000), so the browser stops the save itself, in the page's
    words; the server's check stays (tests/web/test_web.py)."""
    path = web_workspace.profile("ada", PROFILE)
    posts: list[str] = []
    with web_workspace.serve():
        page = browser.new_page()
        saves = lambda r: r.method == "POST" and not r.url.endswith("/preview")  # noqa: E731
        page.on("request", lambda r: posts.append(r.url) if saves(r) else None)
        page.goto(web_workspace.page_url())
        weight = page.locator("[name=weight]").first
        papers = page.locator("#max_papers")
        for typed, field in [("0", weight), ("-1", weight), ("100.5", weight), ("1001", papers)]:
            field.fill(typed)
            page.click("#save")
            assert field.evaluate("e => !e.validity.valid"), typed
            assert page.locator(".notice").count() == 0 and posts == [], typed  # nothing sent
            field.fill("3" if field == weight else "10")
        weight.fill("0")
        assert weight.evaluate("e => e.validationMessage").startswith("A weight must be more than 0")
        weight.fill("3")
        page.fill("#new-kw", "quantum")
        page.fill("#new-weight", "0")
        page.click("#add")  # not added: the weight is refused where it was typed
        assert page.locator("#interests [name=kw]").count() == 2 and page.locator("#new-kw").input_value()
        assert path.read_text() == PROFILE
        page.fill("#new-weight", "0.0001")  # tiny, but more than 0: the server takes it, so does the form
        page.click("#add")
        page.click("#save")
        page.locator(".notice").filter(has_text="Saved.").wait_for()
        page.close()
    assert yaml.safe_load(path.read_text())["interests"]["quantum"] == 0.0001
