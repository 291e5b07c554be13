"""The page a POST answers with: its title (the tab, what a screen reader reads first) says what
happened. Real Chromium on `digest serve`, the links from a digest received by aiosmtpd."""

from __future__ import annotations

import re

from test_browser import browser, send_everything  # noqa: F401  (the Chromium fixture)


def test_the_unsubscribe_page_after_its_post_is_titled_as_what_happened(
    web_workspace,
    smtp_server,
    browser,  # noqa: F811
):
    msg = send_everything(web_workspace, smtp_server)
    link = re.match(r"<(http[^>]+)>", msg["List-Unsubscribe"])[1]
    with web_workspace.serve():
        page = browser.new_page(viewport={"width": 375, "height": 700})
        page.goto(link)
        assert page.title() == "Unsubscribe · Research digest"
        with page.expect_navigation():
            page.get_by_role("button", name="Unsubscribe").press("Enter")
        assert page.title() == "Unsubscribed · Research digest"
        page.close()
