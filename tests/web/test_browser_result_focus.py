"""The page a POST answers with (unsubscribed, its undo when the profile cannot be read, a rating
made or undone) takes the keyboard's focus at what happened, as the preferences page's notice does
after a save, and its title (the tab, what a screen reader reads first) says it. Real Chromium on
`digest serve`, the links from a digest received by aiosmtpd."""

from __future__ import annotations

import re

from helpers.sent_digest import send_everything


def focused(page) -> str:
    return page.evaluate("document.activeElement.textContent.trim()")


def test_the_unsubscribe_page_after_its_post_is_titled_and_focused_as_what_happened(
    web_workspace,
    smtp_server,
    browser,
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
        assert focused(page) == "You are unsubscribed"
        page.keyboard.press("Tab")  # the keyboard goes on from there: to the undo
        assert focused(page) == "Undo: send my digests again"
        page.close()


def test_the_rating_page_after_its_post_takes_the_focus_at_what_was_done(
    web_workspace,
    smtp_server,
    browser,
):
    msg = send_everything(web_workspace, smtp_server)
    html = msg.get_body(("html",)).get_content()
    link = re.search(r'<a href="([^"]+)"[^>]*>More like this</a>', html)[1].replace("&amp;", "&")
    with web_workspace.serve():
        page = browser.new_page(viewport={"width": 375, "height": 700})
        page.goto(link)
        with page.expect_navigation():
            page.get_by_role("button", name="More like this").press("Enter")
        assert page.title() == "More like this · Research digest"
        said = page.locator(".notice").inner_text()
        assert focused(page) == said
        page.keyboard.press("Tab")
        assert focused(page) == "Undo"
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.title() == "Rating removed · Research digest"
        assert focused(page) == "Your rating of this paper is removed."
        page.close()
