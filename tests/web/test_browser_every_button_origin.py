"""Every button of the reader's pages, clicked in Chromium against the real `digest serve`, works;
a post forged on another page (Origin "null" from a `data:` page or a sandboxed frame, or another
site's origin) is refused, the unsubscribe button's too, while the one-click unsubscribe of a
mail client (RFC 8058: List-Unsubscribe=One-Click) still works from any origin.

The pages are served with "Referrer-Policy: no-referrer" (the token in their URLs must not leak),
under which Chromium sends "Origin: null" on the page's own forms: the Origin cannot tell the
page's own button from a forged post, so every form of the page, the unsubscribe button's too,
carries the form token, which only a reader of the page has."""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request

import yaml

from digest.db import wall_clock
from digest.signing import Signer

HANG = 300  # seconds: only a process that hangs takes this long
PROFILE = "email: ada@example.org\ninterests:\n  robotics: 2\n"


def profile(ws) -> dict:
    return yaml.safe_load((ws.root / "profiles" / "ada.yaml").read_text())


def post(url: str, body: bytes, origin: str | None) -> int:
    headers = {"Content-Type": "application/x-www-form-urlencoded"} | ({"Origin": origin} if origin else {})
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, body, headers, method="POST"), timeout=HANG
        ) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_every_button_of_the_pages_works_and_a_forged_post_is_refused(web_workspace, browser):
    ws = web_workspace.with_ada(PROFILE)
    # signed after the file was written: the link of its reader (digest.web.identity)
    token = Signer.from_config(ws.config).token("ada", wall_clock() + dt.timedelta(seconds=1))
    url = f"{ws.base_url}/u/{token}"
    path = url[len(ws.base_url) :]
    with ws.served(HANG):
        page = browser.new_page()
        posts: list[tuple[str, int, str | None]] = []

        def click(button, answered: str) -> None:
            with page.expect_response(lambda r: r.request.method == "POST" and answered in r.url) as answer:
                button.click()
            posts.append((answered, answer.value.status, answer.value.request.all_headers().get("origin")))
            page.wait_for_load_state()

        page.goto(f"{url}/more/1")  # "More like this" from the email, then its undo
        click(page.get_by_role("button", name="More like this"), "/rate/1")
        click(page.get_by_role("button", name="Undo"), "/rate/1")
        page.goto(f"{url}/more/1")
        click(page.get_by_role("button", name="More like this"), "/rate/1")
        page.goto(url)  # the preferences page: save, and the undo of the rating in its list
        page.get_by_label("Weight of robotics").fill("3")
        click(page.locator("#save"), path)
        assert profile(ws)["interests"] == {"robotics": 3}
        click(page.get_by_role("button", name="Undo your rating of Robotics Today"), "/rate/1")
        page.goto(f"{url}/unsubscribe")  # the footer's link: unsubscribe, and undo
        click(page.get_by_role("button", name="Unsubscribe"), "/unsubscribe")
        assert profile(ws)["paused"] is True
        click(page.get_by_role("button", name="Undo: send my digests again"), "/resubscribe")
        assert profile(ws)["paused"] is False
        assert [(p, status) for p, status, _ in posts] == [
            ("/rate/1", 200),
            ("/rate/1", 200),
            ("/rate/1", 200),
            (path, 303),
            ("/rate/1", 303),
            ("/unsubscribe", 200),
            ("/resubscribe", 303),
        ]
        assert {origin for *_, origin in posts} == {"null"}  # no-referrer: the page's own forms too

        # forged: another page posts to the unsubscribe button's URL (Origin null), another site too
        page.goto(f"data:text/html,<form method=post action='{url}/unsubscribe'></form>")
        with page.expect_response(f"{url}/unsubscribe") as answer:
            page.evaluate("document.forms[0].submit()")
        assert answer.value.request.all_headers().get("origin") == "null"
        assert answer.value.status == 403
        assert post(f"{url}/unsubscribe", b"", "null") == 403
        assert post(f"{url}/unsubscribe", b"", "https://evil.example") == 403
        assert not profile(ws)["paused"]
        # a mail client's one-click (RFC 8058), from its web page or its servers: still unsubscribes
        assert post(f"{url}/unsubscribe", b"List-Unsubscribe=One-Click", "https://mail.example.net") == 200
        assert profile(ws)["paused"] is True
        assert post(f"{url}/unsubscribe", b"List-Unsubscribe=One-Click", None) == 200
