"""A `templates:` folder may hold the operator's own `web/base.html.j2` (the header re-branded),
copied from an earlier release, whose `scripts` block is empty. The pages that cannot be shown for
now (a GET's "cannot be read" 503, the removed reader's 410, the database's 503) still carry the
script that makes them again once they can (templates/web/broken.js): each page's own `scripts`
block has it (web/follow.html.j2), not the base's, which such a folder replaces. Its own
`web/broken.html.j2` from an earlier release carries the script without saying what the page
waits out (no data-stays): the script takes it as the "cannot be read" page it was then, which
stays while the file cannot be read, not a page reloaded at every poll. Chromium (Playwright) on
the real app."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from digest.compose.render import builtin_templates
from digest.signing import Signer

from conftest import NOW, WebWorkspace

PROFILE = "name: Ada\nemail: ada@example.org\ninterests:\n  robotics: 2\n"
BROKEN = PROFILE + "exclude: [medical\n"
DEAD = "Your profile cannot be read right now"
WAIT_MS = 8000  # a few polls (every 1.5 s)


OLD_TAG = (  # what web/broken.html.j2 carried before the 410 and 503 pages followed too
    '{% block scripts %}{% if follow %}<script src="{{ root }}/assets/broken.js" '
    'data-version="{{ root }}/u/{{ follow }}/version" defer></script>{% endif %}{% endblock %}'
)


def own_base(ws: WebWorkspace) -> None:
    """my-templates/web/base.html.j2: the built-in one re-branded, its `scripts` block empty (as
    the releases before this one shipped it), named as the config's `templates:`."""
    web = ws.root / "my-templates" / "web"
    web.mkdir(parents=True)
    base = (builtin_templates() / "web" / "base.html.j2").read_text()
    base = re.sub(r"{% block scripts %}.*?{% endblock %}", "{% block scripts %}{% endblock %}", base)
    (web / "base.html.j2").write_text(base.replace(">Research digest<", ">Ada Lab digest<"))
    with ws.config_path.open("a") as config:
        config.write("templates: my-templates\n")


def link(ws: WebWorkspace, profile: str) -> str:
    ws.with_ada(profile)
    own_base(ws)
    return f"{ws.base_url}/u/{Signer.from_config(ws.config).token('ada', NOW)}"


def test_the_unreadable_page_in_an_own_base_comes_back_once_the_file_is_fixed(web_workspace, browser):
    address = link(web_workspace, BROKEN)
    with web_workspace.serve():
        page = browser.new_page()
        assert page.goto(address).status == 503
        expect(page.locator(".brand")).to_have_text("Ada Lab digest")  # the operator's base
        expect(page.locator("h1")).to_have_text(DEAD)
        (web_workspace.root / "profiles" / "ada.yaml").write_text(PROFILE)
        # before: the 503 page stayed, for good (its script was in the built-in base only)
        expect(page.locator("h1")).to_have_text("Your digest, Ada", timeout=WAIT_MS)
        page.close()


def test_the_removed_readers_page_in_an_own_base_asks_again(web_workspace, browser):
    address = link(web_workspace, PROFILE)
    (web_workspace.root / "profiles" / "ada.yaml").unlink()
    with web_workspace.serve():
        page = browser.new_page()
        assert page.goto(address).status == 410
        expect(page.locator(".brand")).to_have_text("Ada Lab digest")
        expect(page.locator("script[src$='/assets/broken.js'][data-stays='gone']")).to_have_count(1)
        page.close()


def test_an_earlier_releases_own_unreadable_page_stays_until_the_file_is_fixed(web_workspace, browser):
    address = link(web_workspace, BROKEN)
    broken = (builtin_templates() / "web" / "broken.html.j2").read_text()
    broken = re.sub(r"{% block scripts %}.*?{% endblock %}", lambda _: OLD_TAG, broken)
    (web_workspace.root / "my-templates" / "web" / "broken.html.j2").write_text(broken)
    with web_workspace.serve():
        page = browser.new_page()
        page.clock.install()
        assert page.goto(address).status == 503
        assert page.locator("script[data-stays]").count() == 0  # the earlier release's tag
        page.evaluate("window.kept = true")  # gone with a reload
        for _ in range(2):  # two polls answered "unreadable"
            with page.expect_response(lambda r: r.url.endswith("/version")):
                page.clock.run_for(1_600)
        expect(page.locator("h1")).to_have_text(DEAD)
        assert page.evaluate("window.kept") is True  # before: reloaded at every poll (1.5 s)
        (web_workspace.root / "profiles" / "ada.yaml").write_text(PROFILE)
        page.clock.run_for(1_600)
        expect(page.locator("h1")).to_have_text("Your digest, Ada", timeout=WAIT_MS)
        page.close()
