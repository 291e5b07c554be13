"""The page's own forms reach the server with "Origin: null" in Chromium: the page is served with
"Referrer-Policy: no-referrer" (its URL's token must not leak to other sites), and under that
policy a browser serializes a form POST's Origin as "null". So check_post accepts "null", and
must: refusing it would refuse every button of the page. What a page of opaque origin (a `data:`
page, a sandboxed iframe) can send that way is no more than anyone holding the signed URL can: every
form of the page needs the form token (the unsubscribe button's too), which only a reader of the
page has; only the one-click unsubscribe (RFC 8058) is accepted without it, from any origin.
Chromium (Playwright); the real app on a thread."""

from __future__ import annotations

import yaml


def paused(ws) -> bool:
    return bool(yaml.safe_load((ws.root / "profiles" / "ada.yaml").read_text()).get("paused"))


def test_the_pages_own_forms_send_origin_null_and_work(web_workspace, browser):
    ws = web_workspace.with_ada("email: ada@example.org\ninterests: [robotics]\n")
    url = ws.page_url()
    with ws.serve():
        page = browser.new_page()
        posts: list[tuple[str, str | None, str | None]] = []

        def sent(answer) -> int:  # what the browser sent (its Origin, Sec-Fetch-Site), and the answer
            headers = answer.value.request.all_headers()
            posts.append(
                (answer.value.url.rsplit("/", 1)[1], headers.get("origin"), headers.get("sec-fetch-site"))
            )
            return answer.value.status

        page.goto(f"{url}/unsubscribe")
        with page.expect_response(f"{url}/unsubscribe") as answer:
            page.locator(f"form[action$='{url[len(ws.base_url) :]}/unsubscribe'] button").click()
        assert sent(answer) == 200 and paused(ws)
        with page.expect_response(f"{url}/resubscribe") as answer:
            page.locator("form[action$='/resubscribe'] button").click()
        assert sent(answer) == 303 and not paused(ws)
        # the form token is what refuses a page that is not this one: without it, a 403
        page.goto("data:text/html,<form method=post action='" + url + "/resubscribe'></form>")
        with page.expect_response(f"{url}/resubscribe") as answer:
            page.evaluate("document.forms[0].submit()")
        assert sent(answer) == 403
    assert posts == [
        ("unsubscribe", "null", "same-origin"),
        ("resubscribe", "null", "same-origin"),
        ("resubscribe", "null", "cross-site"),
    ]
