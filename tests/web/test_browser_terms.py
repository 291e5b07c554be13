"""An excluded term with a comma in it (exclude: medical, biology; ["Smith, J."]) is one term in
the profile: the preferences page shows it as one, and a save keeps it one."""

from __future__ import annotations

import yaml
from test_browser import PROFILE, browser  # noqa: F401  (the Chromium fixture)

from digest.profiles.load import load_profile
from digest.signing import Signer

from conftest import NOW

ONE_TERM = PROFILE.replace("exclude: [medical]", "exclude: medical, biology   # one term")


def saved(
    web_workspace,
    browser,  # noqa: F811
    text: str,
    typed: dict[str, str],
    drawn_before: str | None = None,
) -> tuple[str, str]:
    """Ada's page over ``text``: the exclusions' field as shown, then the file after the fields
    in ``typed`` were filled and the page saved in Chromium. ``drawn_before``: the page is made
    the one the release before b704e67 drew, open across the upgrade: this field's text (terms
    joined by ", ", none quoted) and no terms_quoted in its form, as that page's form had."""
    path = web_workspace.profile("ada", text)
    with web_workspace.serve() as base:
        page = browser.new_page()
        page.goto(f"{base}/u/{Signer.from_config(web_workspace.config).token('ada', NOW)}")
        if drawn_before is not None:
            page.evaluate(
                """(text) => { document.querySelector("[name=terms_quoted]")?.remove();
                   document.getElementById("exclude").value = text; }""",
                drawn_before,
            )
        shown = page.locator("#exclude").input_value()
        for field, value in typed.items():
            page.fill(field, value)
        page.click("#save")
        page.locator(".notice").filter(has_text="Saved.").wait_for()
        page.close()
    return shown, path.read_text()


def test_a_term_with_a_comma_is_shown_as_one_and_kept_one_by_a_save_that_did_not_touch_it(
    web_workspace,
    browser,  # noqa: F811
):
    shown, text = saved(web_workspace, browser, ONE_TERM, {"#send_at": "08:15"})
    assert shown == '"medical, biology"'  # was medical, biology: two terms to whoever reads it
    assert text == ONE_TERM + 'send_at: "08:15"\n'
    assert load_profile(web_workspace.config, "ada").exclude == ("medical, biology",)


def test_a_term_with_a_comma_stays_one_when_another_is_added_beside_it(web_workspace, browser):  # noqa: F811
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
    browser,  # noqa: F811
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
