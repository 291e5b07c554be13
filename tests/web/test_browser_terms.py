"""An excluded term with a comma in it (exclude: medical, biology; ["Smith, J."]) is one term in
the profile: the preferences page shows it as one, and a save keeps it one."""

from __future__ import annotations

import yaml
from helpers.sent_digest import PROFILE

from digest.profiles.load import load_profile

ONE_TERM = PROFILE.replace("exclude: [medical]", "exclude: medical, biology   # one term")


def opened(web_workspace, browser, base: str, drawn_before: str | None):
    """Ada's page in Chromium; ``drawn_before``: made the one the release before b704e67 drew,
    open across the upgrade: this field's text (terms joined by ", ", none quoted) and none of
    the hidden fields that say how the page showed them (terms_quoted, exclude_shown)."""
    page = browser.new_page()
    page.goto(web_workspace.page_url())
    if drawn_before is not None:
        page.evaluate(
            """(text) => { document.querySelectorAll("[name=terms_quoted], [name=exclude_shown]")
               .forEach((e) => e.remove()); document.getElementById("exclude").value = text; }""",
            drawn_before,
        )
    return page


def saved(
    web_workspace,
    browser,
    text: str,
    typed: dict[str, str],
    drawn_before: str | None = None,
) -> tuple[str, str]:
    """Ada's page over ``text`` (``drawn_before``: see :func:`opened`): the exclusions' field as
    shown, then the file after the fields in ``typed`` were filled and the page saved in Chromium."""
    path = web_workspace.profile("ada", text)
    with web_workspace.serve() as base:
        page = opened(web_workspace, browser, base, drawn_before)
        shown = page.locator("#exclude").input_value()
        for field, value in typed.items():
            page.fill(field, value)
        page.click("#save")
        page.locator(".notice").filter(has_text="Saved.").wait_for()
        page.close()
    return shown, path.read_text()


def test_a_term_with_a_comma_is_shown_as_one_and_kept_one_by_a_save_that_did_not_touch_it(
    web_workspace,
    browser,
):
    shown, text = saved(web_workspace, browser, ONE_TERM, {"#send_at": "08:15"})
    assert shown == '"medical, biology"'  # was medical, biology: two terms to whoever reads it
    assert text == ONE_TERM + 'send_at: "08:15"\n'
    assert load_profile(web_workspace.config, "ada").exclude == ("medical, biology",)


def test_a_term_with_a_comma_stays_one_when_another_is_added_beside_it(web_workspace, browser):
    # typing ", robotics" after the field's "Smith, J., 1,3-butadiene" saved five terms: Smith,
    # J., 1, 3-butadiene and robotics (typed in quotes: '"Smith' and 'J."')
    text = ONE_TERM.replace("medical, biology", '["Smith, J.", "1,3-butadiene"]')
    shown, text = saved(web_workspace, browser, text, {"#exclude": '"Smith, J.", "1,3-butadiene", robotics'})
    assert shown == '"Smith, J.", "1,3-butadiene"'
    assert yaml.safe_load(text)["exclude"] == ["Smith, J.", "1,3-butadiene", "robotics"]
    # one typed in quotes is written in quotes: `profile show` does not take it for two
    block = PROFILE.replace("exclude: [medical]", "exclude:\n  - medical")
    shown, text = saved(web_workspace, browser, block, {"#exclude": 'medical, "Doe, J."'})
    assert (shown, yaml.safe_load(text)["exclude"]) == ("medical", ["medical", "Doe, J."])
    assert text.endswith('  - medical\n  - "Doe, J."\n')  # was - Doe, J.: "for 2 excluded terms, ..."
    assert web_workspace.cli("profile", "show", "ada").stderr == ""
    # and without the quotes, the terms the commas set apart, as the hint says
    shown, text = saved(web_workspace, browser, ONE_TERM, {"#exclude": "medical, biology"})
    assert (shown, yaml.safe_load(text)["exclude"]) == ('"medical, biology"', ["medical", "biology"])


def test_a_page_drawn_before_terms_were_quoted_keeps_a_term_with_a_comma_it_showed_unquoted(
    web_workspace,
    browser,
):
    # A page open across the upgrade showed exclude: medical, biology (one term: a paper is left
    # out if it holds both) as "medical, biology", which is two terms to the release after: a
    # save of the send time alone made it two (every paper holding either word left out), and
    # the file's line a list, with "Saved.".
    shown, text = saved(
        web_workspace, browser, ONE_TERM, {"#send_at": "08:15"}, drawn_before="medical, biology"
    )
    assert shown == "medical, biology"
    assert text == ONE_TERM + 'send_at: "08:15"\n'
    # changed there, it is read as that page said: each comma between two terms
    typed = {"#exclude": "medical, biology, robotics"}
    shown, text = saved(web_workspace, browser, ONE_TERM, typed, drawn_before="medical, biology")
    assert yaml.safe_load(text)["exclude"] == ["medical", "biology", "robotics"]


def conflicted(web_workspace, browser, drawn_before: str | None, typed: dict[str, str], elsewhere: str):
    """Ada's page (``drawn_before``: as the release before b704e67 drew it) filled with ``typed``
    while her file was changed elsewhere to ``elsewhere``: saved (the 409), then saved again as
    the 409's page stands. The 409's page (its exclusions' field, its notice) and the file."""
    path = web_workspace.profile("ada", ONE_TERM)
    with web_workspace.serve() as base:
        page = opened(web_workspace, browser, base, drawn_before)
        for field, value in typed.items():
            page.fill(field, value)
        path.write_text(ONE_TERM.replace("medical, biology   # one term", elsewhere))
        with page.expect_response(lambda r: r.request.method == "POST" and "/preview" not in r.url) as answer:
            page.click("#save")
        assert answer.value.status == 409
        shown, notice = page.input_value("#exclude"), page.text_content(".notice")
        page.click("#save")
        page.locator(".notice").filter(has_text="Saved.").wait_for()
        page.close()
    return shown, notice, yaml.safe_load(path.read_text())


def test_a_page_drawn_before_quoting_saved_after_a_change_elsewhere_splits_no_term(web_workspace, browser):
    # A page open across the upgrade showed the one term as "medical, biology"; robotics added
    # elsewhere, its save met the 409, whose page showed the field as medical, biology under the
    # new rules: saved again, two terms written and robotics gone, with "Saved.".
    elsewhere = '["medical, biology", robotics]'
    shown, notice, data = conflicted(
        web_workspace, browser, "medical, biology", {"#send_at": "08:15"}, elsewhere
    )
    assert shown == '"medical, biology", robotics'  # the file's terms, as this page shows them
    assert 'Your page sent "medical, biology"' in notice  # what it sent is said, to type again
    assert data["exclude"] == ["medical, biology", "robotics"] and data["send_at"] == "08:15"


def test_terms_untouched_on_the_page_keep_a_change_made_elsewhere_after_the_409(web_workspace, browser):
    shown, notice, data = conflicted(web_workspace, browser, None, {"#send_at": "08:15"}, "[robotics]")
    assert shown == "robotics"  # was "medical, biology": saved again, robotics gone
    assert data["exclude"] == ["robotics"] and data["send_at"] == "08:15"
    # typed on the page as well: what was typed is kept, and the change elsewhere said
    web_workspace.profile("ada", ONE_TERM)
    shown, notice, data = conflicted(web_workspace, browser, None, {"#exclude": "soup"}, "[robotics]")
    assert shown == "soup" and "now robotics" in notice
    assert data["exclude"] == ["soup"]
